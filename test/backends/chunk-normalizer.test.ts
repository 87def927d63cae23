import { describe, expect, it } from 'vitest';
import { isEmptyDelta, normalizeFrame } from '../../src/backends/chunk-normalizer.js';

// Frames shaped like vLLM's with return_token_ids (ChatCompletionStreamResponse puts prompt_token_ids
// at the top level and token_ids on the choice; completions put both on the choice).
const chatRole = {
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
  prompt_token_ids: [1, 2, 3],
};
const chatToken = {
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta: { content: ' Hi' }, logprobs: null, finish_reason: null, token_ids: [42] }],
};
const chatLast = {
  ...chatToken,
  choices: [
    { index: 0, delta: { content: '!' }, logprobs: null, finish_reason: 'stop', stop_reason: 13, token_ids: [7] },
  ],
};
const usageFrame = {
  id: 'cmpl-1',
  object: 'text_completion',
  created: 1,
  model: 'm',
  choices: [],
  usage: { prompt_tokens: 3, total_tokens: 5, completion_tokens: 2 },
};
const completionFirst = {
  id: 'cmpl-1',
  object: 'text_completion',
  created: 1,
  model: 'm',
  choices: [
    {
      index: 0,
      text: ' Once',
      logprobs: null,
      finish_reason: null,
      stop_reason: null,
      prompt_token_ids: [9, 8],
      token_ids: [5],
    },
  ],
};

describe('normalizeFrame', () => {
  it('reads top-level prompt ids from the chat role frame, which is otherwise empty', () => {
    const result = normalizeFrame(chatRole, 'chat');
    expect(result).toEqual({
      kind: 'delta',
      delta: { text: '', tokenIds: null, promptTokenIds: [1, 2, 3], finishReason: null, stopReason: null, usage: null },
    });
    expect(result.kind === 'delta' && isEmptyDelta(result.delta)).toBe(true);
  });

  it('reads chat text from delta.content and token ids from the choice', () => {
    expect(normalizeFrame(chatToken, 'chat')).toEqual({
      kind: 'delta',
      delta: { text: ' Hi', tokenIds: [42], promptTokenIds: null, finishReason: null, stopReason: null, usage: null },
    });
  });

  it('reports finish and stop reasons', () => {
    const result = normalizeFrame(chatLast, 'chat');
    expect(result.kind === 'delta' && result.delta.finishReason).toBe('stop');
    expect(result.kind === 'delta' && result.delta.stopReason).toBe(13);
  });

  it('reads completion text and choice-level prompt ids', () => {
    expect(normalizeFrame(completionFirst, 'completions')).toEqual({
      kind: 'delta',
      delta: {
        text: ' Once',
        tokenIds: [5],
        promptTokenIds: [9, 8],
        finishReason: null,
        stopReason: null,
        usage: null,
      },
    });
  });

  it('tolerates prompt ids on the chat choice and at the top level of completions', () => {
    const chat = { ...chatToken, choices: [{ ...chatToken.choices[0], prompt_token_ids: [4] }] };
    const completion = { ...completionFirst, prompt_token_ids: [6], choices: [{ index: 0, text: 'x' }] };
    expect(normalizeFrame(chat, 'chat')).toMatchObject({ delta: { promptTokenIds: [4] } });
    expect(normalizeFrame(completion, 'completions')).toMatchObject({ delta: { promptTokenIds: [6], tokenIds: null } });
  });

  it('gives null token ids when the backend does not send them', () => {
    const plain = { ...chatToken, choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] };
    expect(normalizeFrame(plain, 'chat')).toMatchObject({ delta: { text: 'a', tokenIds: null, promptTokenIds: null } });
  });

  it('turns the usage frame with empty choices into a usage-only delta', () => {
    expect(normalizeFrame(usageFrame, 'completions')).toEqual({
      kind: 'delta',
      delta: {
        text: '',
        tokenIds: null,
        promptTokenIds: null,
        finishReason: null,
        stopReason: null,
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      },
    });
  });

  it('treats null chat content (tool-call deltas) as empty text', () => {
    const frame = { ...chatToken, choices: [{ index: 0, delta: { content: null, tool_calls: [] }, token_ids: [3] }] };
    expect(normalizeFrame(frame, 'chat')).toMatchObject({ delta: { text: '', tokenIds: [3] } });
  });

  it('reports error frames, current and legacy shapes, with their status', () => {
    expect(normalizeFrame({ error: { message: 'boom', type: 'X', code: 503 } }, 'chat')).toMatchObject({
      kind: 'error',
      status: 503,
    });
    expect(
      normalizeFrame({ object: 'error', message: 'bad', type: 'BadRequestError', code: 400 }, 'chat'),
    ).toMatchObject({ kind: 'error', status: 400 });
    expect(normalizeFrame({ error: 'plain' }, 'chat')).toMatchObject({ kind: 'error', status: 500 });
  });

  it('ignores non-objects, frames without content and choices other than index 0', () => {
    expect(normalizeFrame(null, 'chat').kind).toBe('ignored');
    expect(normalizeFrame(42, 'chat').kind).toBe('ignored');
    expect(normalizeFrame({ choices: [] }, 'chat').kind).toBe('ignored');
    expect(normalizeFrame({ choices: [{ index: 1, text: 'b' }] }, 'completions').kind).toBe('ignored');
  });
});
