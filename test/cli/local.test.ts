import { LOCAL_ENTRY } from '../../cli/commands/local';
import { run } from './harness';

const missing = (modulePath: string) => {
  throw Object.assign(new Error(`Cannot find module '${modulePath}'`), { code: 'MODULE_NOT_FOUND' });
};

describe('sfn-deploy local', () => {
  it('calls the main function of local/main.ts with the arguments given, as a process argv', async () => {
    // Arrange
    const main = jest.fn().mockResolvedValue(undefined);
    const loaded: string[] = [];

    // Act
    const { code } = await run(['local', '--port', '4566'], {
      loadModule: (modulePath) => {
        loaded.push(modulePath);
        return { main };
      },
    });

    // Assert
    expect(code).toBe(0);
    expect(loaded).toEqual([LOCAL_ENTRY]);
    expect(main).toHaveBeenCalledWith([process.execPath, 'sfn-deploy local', '--port', '4566']);
  });

  it('passes on the exit code main returns', async () => {
    const { code } = await run(['local'], { loadModule: () => ({ main: () => 3 }) });

    expect(code).toBe(3);
  });

  it('fails with a clear message when the local cloud is not in this checkout', async () => {
    const { code, stderr } = await run(['local'], { loadModule: missing });

    expect(code).toBe(1);
    expect(stderr.text).toContain(
      'The local cloud is not available here: local/dist/main.js is missing (run `npm install` in a clone).',
    );
  });

  it('reports an error inside the local cloud as it is, not as a missing module', async () => {
    const broken = () => missing('some-dependency-of-local');

    const { code, stderr } = await run(['local'], { loadModule: broken });

    expect(code).toBe(1);
    expect(stderr.text).toBe("error: Error: Cannot find module 'some-dependency-of-local'\n");
  });
});
