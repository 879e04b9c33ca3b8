/**
 * `trm … | head`: when the reader closes the pipe early, writing fails with EPIPE. Unix tools end quietly then;
 * without a handler Node prints an unhandled-error stack trace. Other stream errors are rethrown.
 */
export function exitQuietlyOnEpipe(stream: NodeJS.EventEmitter, exit: (code: number) => void = (code) => process.exit(code)): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      exit(0);
      return;
    }
    throw err;
  });
}
