import { useMutation } from '@apollo/client/react';
import { TEST_WHATSAPP_CONNECTION_MUTATION } from '../graphql/test-whatsapp-connection.mutation';

/** "Testar conexão" of the company's saved WhatsApp provider. */
export function useTestWhatsappConnection() {
  const [mutate, { loading }] = useMutation(TEST_WHATSAPP_CONNECTION_MUTATION);
  const test = async () => {
    const { data } = await mutate();
    if (!data) throw new Error('Resposta vazia do servidor.');
    return data.testWhatsappConnection;
  };
  return { test, testing: loading };
}
