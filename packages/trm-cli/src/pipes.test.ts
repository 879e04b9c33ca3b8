import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { exitQuietlyOnEpipe } from './pipes.js';

describe('exitQuietlyOnEpipe', () => {
  it('ends the process with code 0 when the output pipe is closed (EPIPE), and rethrows any other stream error', () => {
    const stream = new EventEmitter();
    const exit = vi.fn();
    exitQuietlyOnEpipe(stream, exit);
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exit).toHaveBeenCalledWith(0);
    expect(() => stream.emit('error', Object.assign(new Error('disk full'), { code: 'ENOSPC' }))).toThrow('disk full');
    expect(exit).toHaveBeenCalledTimes(1);
  });
});
