import { gql, type TypedDocumentNode } from '@apollo/client';

export interface ServiceHost {
  __typename?: 'ServiceHost';
  calUserId: number;
  name: string;
  /** This host's key, as in `Appointment.hostKey`. */
  hostKey: string;
}

/** A service: one Cal.com event type; `name`, `keywords` and `active` are local. */
export interface Service {
  __typename?: 'Service';
  id: string;
  calEventTypeId: number;
  name: string;
  calTitle: string;
  durationMinutes: number;
  active: boolean;
  keywords: string[];
  hosts: ServiceHost[];
  /** The host key our own bookings of it get (`event-type:<id>` for a team event type). */
  hostKey: string;
  isDefault: boolean;
  teamId: number | null;
  inCalcom: boolean;
}

export const SERVICE_FIELDS = gql`
  fragment ServiceFields on Service {
    id
    calEventTypeId
    name
    calTitle
    durationMinutes
    active
    keywords
    hosts {
      calUserId
      name
      hostKey
    }
    hostKey
    isDefault
    teamId
    inCalcom
  }
`;

export const SERVICES_QUERY: TypedDocumentNode<{ company: { __typename?: 'Company'; id: string; services: Service[] } }, Record<string, never>> = gql`
  query Services {
    company {
      id
      services {
        ...ServiceFields
      }
    }
  }
  ${SERVICE_FIELDS}
`;
