export interface ChatMessage {
  __typename?: 'ChatMessage';
  id: string;
  /** IN: from the contact to the bot; OUT: the bot's reply. */
  direction: 'IN' | 'OUT' | string;
  body: string;
  at: string;
  status: string;
}
