/**
 * (v2) E-mail digests: on AWS with CAMVAULT_EMAIL_NOTIFICATIONS=true, every notification is also due
 * by e-mail, and a scheduled run sends each user one mail of everything due since the last, so a
 * folder with 200 check-ins in an hour is one mail, not 200. A run that fails after sending and
 * before marking sends that digest again (at least once, like every delivery here).
 */

import { eventText, REASON_TEXT } from '../event-text';
import { subjectOf } from '../events';
import type { NotificationReason } from '../model';
import { folderOf } from '../names';
import type { Directory, Mail, MailSender, NoticeStore } from './ports';
import type { NotificationRecord } from './records';

/** Notifications one run reads at most; what is left waits for the next run. */
export const DIGEST_BATCH = 1000;
/** Lines shown per folder; the rest are counted. */
const LINES_PER_FOLDER = 10;

/** Why-lines that always matter to the reader come first, in full. */
const PERSONAL: NotificationReason[] = ['lock_broken', 'request', 'available'];

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** One user's mail of these notifications, oldest first. */
export const digestOf = (to: string, user: string, notifications: NotificationRecord[]): Mail => {
  const personal = notifications.filter((notification) => PERSONAL.includes(notification.reason));
  const watched = notifications.filter((notification) => notification.reason === 'watch');
  const byFolder = new Map<string, NotificationRecord[]>();
  for (const notification of watched) {
    const folder = folderOf(subjectOf(notification.event)) || '(the top folder)';
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), notification]);
  }
  const lines = [`Hello ${user},`, '', 'since the last mail, in the vault:', ''];
  if (personal.length > 0) {
    lines.push('For you:');
    for (const notification of personal) {
      lines.push(
        `  ${notification.at}  ${eventText(notification.event)}  (${REASON_TEXT[notification.reason]})`,
      );
    }
    lines.push('');
  }
  for (const [folder, entries] of byFolder) {
    lines.push(`${folder}: ${plural(entries.length, 'change')}`);
    for (const notification of entries.slice(-LINES_PER_FOLDER))
      lines.push(`  ${notification.at}  ${eventText(notification.event)}`);
    if (entries.length > LINES_PER_FOLDER) lines.push(`  … and ${entries.length - LINES_PER_FOLDER} earlier`);
    lines.push('');
  }
  lines.push('Your feed has them all: `camvault inbox`, or the bell on the vault page.');
  const folders = [...byFolder.keys()];
  const subject =
    personal.length > 0
      ? `camvault: ${plural(personal.length, 'notice')} for you${watched.length > 0 ? `, ${plural(watched.length, 'change')} you watch` : ''}`
      : `camvault: ${plural(watched.length, 'change')} in ${folders[0]}${folders.length > 1 ? ` and ${plural(folders.length - 1, 'other folder')}` : ''}`;
  return { to, subject, text: lines.join('\n') };
};

export class Digests {
  constructor(
    private readonly notices: NoticeStore,
    private readonly directory: Directory,
    private readonly sender: MailSender,
  ) {}

  /** Sends every user their digest of what is due; how many mails went and how many notifications they held. */
  async sendDue(): Promise<{ mails: number; notifications: number }> {
    const due = await this.notices.pendingMail(DIGEST_BATCH);
    const byUser = new Map<string, NotificationRecord[]>();
    for (const notification of due)
      byUser.set(notification.user, [...(byUser.get(notification.user) ?? []), notification]);
    let mails = 0;
    for (const [user, notifications] of byUser) {
      const to = await this.directory.verifiedEmailOf(user);
      // No verified address: the feed is their delivery; nothing is kept waiting for one.
      if (to) {
        await this.sender.send(digestOf(to, user, notifications));
        mails++;
      }
      await this.notices.mailSent(notifications);
    }
    return { mails, notifications: due.length };
  }
}
