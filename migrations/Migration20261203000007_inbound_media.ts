import { Migration } from '@mikro-orm/migrations';

/**
 * `inbound_messages.media`: the kind of a caption-less audio, image, video, document or sticker
 * (null for text). Such messages are stored with an empty body so the bot can ask for text.
 */
export class Migration20261203000007_inbound_media extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table inbound_messages add column media text null;`);
    this.addSql(`alter table inbound_messages add constraint inbound_messages_media_check check (media in ('audio', 'image', 'video', 'document', 'sticker'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from inbound_messages where media is not null;`);
    this.addSql(`alter table inbound_messages drop column media;`);
  }
}
