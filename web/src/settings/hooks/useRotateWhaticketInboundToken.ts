import { useMutation } from '@apollo/client/react';
import { COMPANY_QUERY } from '../graphql/company.query';
import { ROTATE_WHATICKET_INBOUND_TOKEN_MUTATION } from '../graphql/rotate-whaticket-inbound-token.mutation';

export function useRotateWhaticketInboundToken() {
  const [mutate, { loading }] = useMutation(ROTATE_WHATICKET_INBOUND_TOKEN_MUTATION, {
    // `whaticketInboundTokenSet` may have changed.
    refetchQueries: [COMPANY_QUERY],
  });
  const rotate = async () => {
    const { data } = await mutate();
    if (!data) throw new Error('Resposta vazia do servidor.');
    return data.rotateWhaticketInboundToken;
  };
  return { rotate, rotating: loading };
}
