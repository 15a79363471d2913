import { gql, type TypedDocumentNode } from '@apollo/client';

export const ROTATE_WHATICKET_INBOUND_TOKEN_MUTATION: TypedDocumentNode<{ rotateWhaticketInboundToken: string }, Record<string, never>> = gql`
  mutation RotateWhaticketInboundToken {
    rotateWhaticketInboundToken
  }
`;
