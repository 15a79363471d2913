import { useMutation } from '@apollo/client/react';
import { CANCEL_APPOINTMENT_MUTATION } from '../graphql/cancel-appointment.mutation';

export function useCancelAppointment() {
  const [mutate, { loading }] = useMutation(CANCEL_APPOINTMENT_MUTATION);
  const cancel = async (id: string, reason: string | null) => {
    const { data } = await mutate({ variables: { id, reason } });
    if (!data) throw new Error('Resposta vazia do servidor.');
    return data.cancelAppointment;
  };
  return { cancel, cancelling: loading };
}
