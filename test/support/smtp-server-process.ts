/**
 * A real SMTP server (the smtp-server package) as a process of its own, for tests:
 *   node --import tsx test/support/smtp-server-process.ts PORT DIR [USER PASSWORD]
 * Listens on 127.0.0.1:PORT without STARTTLS; with USER and PASSWORD, AUTH is required and only
 * they are taken. Each mail it accepts is written to DIR as `mail-N.json` ({ from, to, user, raw }).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

const [portText, dir, user, password] = process.argv.slice(2);
if (portText === undefined || dir === undefined) {
  process.stderr.write('usage: smtp-server-process.ts PORT DIR [USER PASSWORD]\n');
  process.exit(2);
}
let count = 0;
const server = new SMTPServer({
  disabledCommands: user === undefined ? ['STARTTLS', 'AUTH'] : ['STARTTLS'],
  allowInsecureAuth: true,
  authOptional: user === undefined,
  size: 10 * 1024 * 1024,
  logger: false,
  onAuth(auth, _session, callback) {
    if (auth.username === user && auth.password === password) callback(null, { user: auth.username });
    else callback(new Error('Invalid username or password'));
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      count++;
      const mail = {
        from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
        to: session.envelope.rcptTo.map((r) => r.address),
        user: session.user ?? null,
        raw: Buffer.concat(chunks).toString('utf8'),
      };
      writeFileSync(path.join(dir, `mail-${String(count).padStart(4, '0')}.json`), JSON.stringify(mail));
      callback();
    });
  },
});
server.listen(Number(portText), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
