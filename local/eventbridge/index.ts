export * from './input';
export * from './pattern';
export * from './rules';
export * from './bus';
export * from './service';
