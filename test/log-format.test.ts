import { describe, it, expect } from 'vitest';
import { chooseLogFormat } from '../src/cli/log-format.ts';

describe('the log format a command picks', () => {
  it('is human lines unless asked, JSON for up and join off a terminal, and the option or NN_LOG_FORMAT wins', () => {
    expect(chooseLogFormat(undefined, 'render', {}, false)).toBe('human');
    expect(chooseLogFormat(undefined, 'up', {}, true)).toBe('human');
    expect(chooseLogFormat(undefined, 'up', {}, false)).toBe('json');
    expect(chooseLogFormat(undefined, 'join', {}, false)).toBe('json');
    expect(chooseLogFormat('human', 'up', {}, false)).toBe('human');
    expect(chooseLogFormat(undefined, 'join', { NN_LOG_FORMAT: 'human' }, false)).toBe('human');
    expect(chooseLogFormat(undefined, 'render', { NN_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(chooseLogFormat('json', 'render', { NN_LOG_FORMAT: 'human' }, true)).toBe('json');
    expect(() => chooseLogFormat(undefined, 'render', { NN_LOG_FORMAT: 'yaml' }, true)).toThrow(/NN_LOG_FORMAT must be one of human, json, not "yaml"/);
  });
});
