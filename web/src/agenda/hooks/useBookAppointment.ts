import { useMutation } from '@apollo/client/react';
import { BOOK_APPOINTMENT_MUTATION, type BookAppointmentInput } from '../graphql/book-appointment.mutation';

export function useBookAppointment() {
  const [mutate, { loading }] = useMutation(BOOK_APPOINTMENT_MUTATION);
  const book = async (input: BookAppointmentInput) => {
    const { data } = await mutate({ variables: { input } });
    if (!data) throw new Error('Resposta vazia do servidor.');
    return data.bookAppointment;
  };
  return { book, booking: loading };
}
