import crypto from 'node:crypto';

/** Headers exactly as Slack signs a request: v0 HMAC-SHA256 over `v0:<timestamp>:<body>`. */
export function slackHeaders(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${crypto.createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestamp), 'content-type': 'application/x-www-form-urlencoded' };
}
