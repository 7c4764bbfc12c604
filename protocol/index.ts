export * from './errors.ts';
export * from './version.ts';
export * from './subjects.ts';
export * from './messages.ts';
export * from './codec.ts';
export * from './codecs.ts';
