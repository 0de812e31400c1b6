import { describe, expect, it } from 'vitest';
import * as cliErrors from '../../cli/errors.js';
import * as coreErrors from '../../core/errors.js';
import { AutoInstanceProfileError } from '../../core/errors.js';
import * as emulatorErrors from '../../emulator/errors.js';
import * as localErrors from '../../local/errors.js';

/** Every error class these modules export that takes (message, options), as most do. */
type ErrorClass = (new (message: string, options?: { cause?: unknown }) => Error) & { readonly name: string };

const classes = [coreErrors, cliErrors, emulatorErrors, localErrors]
  .flatMap((module) => Object.values(module) as unknown[])
  .filter((value): value is ErrorClass => typeof value === 'function' && value.prototype instanceof Error)
  .filter(
    (value) =>
      !['NoCredentialsError', 'ProfileNotFoundError', 'NoRegionError', 'InvalidEndpointError'].includes(value.name),
  );

describe('the error classes', () => {
  it.each(classes.map((errorClass) => [errorClass.name, errorClass] as const))(
    '%s names itself, keeps its cause and is one of ours',
    (name, ErrorClass) => {
      // Prepare
      const cause = new Error('the SDK said no');

      // Act
      const error = new ErrorClass('what we decided', { cause });

      // Assess
      expect(error.name).toBe(name);
      expect(error.message).toBe('what we decided');
      expect(error.cause).toBe(cause);
      expect(error).toBeInstanceOf(AutoInstanceProfileError);
      expect(String(error.stack).split('\n')[0]).toBe(`${name}: what we decided`);
    },
  );

  it('covers the base and a subclass of each folder', () => {
    // Assess
    expect(classes.map((errorClass) => errorClass.name)).toEqual(
      expect.arrayContaining([
        'AutoInstanceProfileError',
        'ConfigError',
        'UsageError',
        'EmulatorError',
        'SandboxError',
      ]),
    );
  });

  it('name the subclasses that build their own message', () => {
    // Act
    const errors = [
      new cliErrors.NoCredentialsError(),
      new cliErrors.ProfileNotFoundError('p'),
      new cliErrors.NoRegionError(),
      new cliErrors.InvalidEndpointError('AWS_ENDPOINT_URL', 'notaurl'),
    ];

    // Assess
    expect(errors.map((error) => error.name)).toEqual([
      'NoCredentialsError',
      'ProfileNotFoundError',
      'NoRegionError',
      'InvalidEndpointError',
    ]);
  });
});
