import { useMutation } from '@apollo/client/react';
import { SIMULATE_WHATSAPP_MESSAGE_MUTATION } from '../graphql/simulate-whatsapp-message.mutation';
import { SIMULATOR_TRANSCRIPT_QUERY } from '../graphql/simulator-transcript.query';

/** Sends as the test contact; the sent message is appended to the cached transcript at once. */
export function useSendSimulatorMessage() {
  const [mutate, { loading }] = useMutation(SIMULATE_WHATSAPP_MESSAGE_MUTATION);
  const send = async (phone: string, body: string, name: string | null) => {
    const { data } = await mutate({
      variables: { phone, body, name },
      update(cache, { data: result }) {
        if (!result) return;
        cache.updateQuery({ query: SIMULATOR_TRANSCRIPT_QUERY, variables: { phone } }, (current) => {
          const messages = current?.simulatorTranscript ?? [];
          if (messages.some((m) => m.id === result.simulateWhatsappMessage.id)) return undefined;
          return { simulatorTranscript: [...messages, result.simulateWhatsappMessage] };
        });
      },
    });
    if (!data) throw new Error('Resposta vazia do servidor.');
    return data.simulateWhatsappMessage;
  };
  return { send, sending: loading };
}
