import { describe, expect, it } from 'vitest';
import { toAppError } from '../src/lib/errors';

describe('toAppError', () => {
  it('keeps the wire shape, including the field', () => {
    expect(toAppError({ code: 'validation', message: 'invalid email', field: 'email' })).toEqual({
      code: 'validation',
      message: 'invalid email',
      field: 'email',
    });
    expect(toAppError({ code: 'not_found', message: 'no such lead' })).toEqual({
      code: 'not_found',
      message: 'no such lead',
    });
  });

  it('accepts the shape serialised as JSON text', () => {
    expect(toAppError('{"code":"duplicate","message":"taken","field":"phone"}')).toEqual({
      code: 'duplicate',
      message: 'taken',
      field: 'phone',
    });
  });

  it('turns anything else into an internal error', () => {
    expect(toAppError('plain text')).toEqual({ code: 'internal', message: 'plain text' });
    expect(toAppError(new Error('boom'))).toEqual({ code: 'internal', message: 'boom' });
    expect(toAppError(42)).toEqual({ code: 'internal', message: '42' });
    expect(toAppError(undefined)).toEqual({ code: 'internal', message: '' });
    expect(toAppError({ weird: true })).toEqual({ code: 'internal', message: '{"weird":true}' });
  });
});
