/**
 * A local server speaking the OpenAI-compatible `POST /v1/chat/completions` (as Ollama, vLLM and
 * LM Studio do) for the real `openai` SDK; scripted answers, every request recorded.
 */
import http from 'node:http';

export type OpenAIReply = { toolCall: { name: string; arguments: string } } | { text: string } | { status: number };

export async function startFakeOpenAI(script: (body: any, n: number) => OpenAIReply): Promise<{ url: string; requests: any[]; close(): Promise<void> }> {
  const requests: any[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}');
      requests.push(body);
      const reply = script(body, requests.length);
      if ('status' in reply) {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'scripted error' } }));
        return;
      }
      const message = 'toolCall' in reply
        ? { role: 'assistant', content: null, tool_calls: [{ id: `call_${requests.length}`, type: 'function', function: reply.toolCall }] }
        : { role: 'assistant', content: reply.text };
      const prompt = Math.ceil(JSON.stringify(body.messages).length / 4);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id: `chatcmpl_${requests.length}`, object: 'chat.completion', created: 0, model: body.model,
        choices: [{ index: 0, message, finish_reason: 'toolCall' in reply ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: prompt, completion_tokens: 20, total_tokens: prompt + 20, prompt_tokens_details: { cached_tokens: 0 } },
      }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise((r) => server.close(() => r())) };
}
