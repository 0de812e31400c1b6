/** core/setting-kinds.ts: one reading of a setting's text, whatever it comes from, and what each kind allows. */
import { describe, expect, it } from 'vitest';
import { fromText, parseBoolean, parseCommaList, parseWhole, problemOf } from '../../core/setting-kinds.js';
import { SETTINGS } from '../../core/settings.js';

describe('parseWhole', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    [' 7 ', 7],
    ['007', 7],
    ['999999999999999', 999_999_999_999_999],
  ])('reads %j as %d', (text, value) => {
    expect(parseWhole(text)).toBe(value);
  });

  it.each(['', ' ', '-1', '+1', '2.5', '1e3', '0x10', '1_000', '1,000', 'Infinity', 'NaN', '9999999999999999'])(
    'refuses %j: plain decimal digits only, exact as a number',
    (text) => {
      expect(parseWhole(text)).toBeUndefined();
    },
  );
});

describe('parseBoolean', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    [' True ', true],
    ['false', false],
    ['False', false],
  ])('reads %j in any case as %j', (text, value) => {
    expect(parseBoolean(text)).toBe(value);
  });

  it.each(['', 'yes', 'no', '1', '0', 'on', 't'])('refuses %j: true and false only', (text) => {
    expect(parseBoolean(text)).toBeUndefined();
  });
});

describe('parseCommaList', () => {
  it.each([
    ['', []],
    [' a , b ,', ['a', 'b']],
    ['a,,b', ['a', 'b']],
  ])('reads %j as %j', (text, list) => {
    expect(parseCommaList(text)).toEqual(list);
  });
});

describe('fromText', () => {
  it.each([
    ['a boolean, in any case', SETTINGS.dryRun, 'TRUE', true],
    ['a whole number in its range', SETTINGS.batchConcurrency, ' 10 ', 10],
    ['a duration, in its unit', SETTINGS.settleDelay, '900', 900],
    ['a one-of value, in any case, as its canonical spelling', SETTINGS.logLevel, 'debug', 'DEBUG'],
    ['a list, comma-separated', SETTINGS.excludedPathPrefixes, '/a/, /b/', ['/a/', '/b/']],
    ['"" as the empty list', SETTINGS.ignoredCallers, '', []],
    ['a text its pattern takes, trimmed', SETTINGS.stackSetName, ' TeamA ', 'TeamA'],
    [
      'an SNS topic ARN',
      SETTINGS.alarmTopic,
      'arn:aws:sns:us-east-1:123456789012:ops',
      'arn:aws:sns:us-east-1:123456789012:ops',
    ],
    ['a schedule, its expression checked in infra', SETTINGS.reconcileSchedule, ' rate(2 hours) ', 'rate(2 hours)'],
  ])('reads %s', (_, row, text, value) => {
    expect(fromText(row, text)).toEqual({ value });
  });

  it.each([
    [
      'out of range',
      SETTINGS.batchConcurrency,
      '11',
      'must be a whole number from 1 to 10 (a batch holds at most 10 records)',
      '"11"',
    ],
    [
      'blank, for anything but a list',
      SETTINGS.maxConcurrency,
      ' ',
      "must be a whole number from 2 to 1000 (Lambda's limits for an SQS event source)",
      '" "',
    ],
    [
      'a fraction of a unit',
      SETTINGS.settleDelay,
      '1.5',
      'must be a whole number of seconds from 0 to 900 (the SQS DelaySeconds range)',
      '"1.5"',
    ],
    ['not one of the values', SETTINGS.unknownCreator, 'ask', 'must be remediate or skip', '"ask"'],
    [
      'commas alone, which clear nothing',
      SETTINGS.excludedPathPrefixes,
      ' , ',
      'must be a comma-separated list of paths that start with "/", at most 512 characters, without commas or whitespace',
      '" , "',
    ],
    [
      'a list entry its pattern refuses, naming the entry',
      SETTINGS.operatorPrincipals,
      'arn:aws:iam::123456789012:root, ops',
      'entries must be IAM principal ARNs',
      '"ops"',
    ],
    ['a text its pattern refuses', SETTINGS.alarmEmail, 'ops', 'must be one email address', '"ops"'],
  ])('refuses %s, saying what it allows and what it got', (_, row, text, requirement, got) => {
    // Act
    const read = fromText(row, text);

    // Assess
    expect(read).toEqual({ requirement: expect.stringContaining(requirement), got });
    expect('requirement' in read && read.requirement.startsWith(requirement)).toBe(true);
  });
});

describe('problemOf', () => {
  it('holds a non-empty list to its row: organizationalUnitIds names at least one OU', () => {
    expect(problemOf(SETTINGS.organizationalUnitIds, [])).toEqual({
      requirement: 'must name at least one OU or root (leave it unset for the whole organization)',
      got: '[]',
    });
  });

  it('takes a typed value exactly: a one-of value in another case is refused', () => {
    expect(problemOf(SETTINGS.logLevel, 'debug')).toEqual({
      requirement: 'must be DEBUG, INFO, WARN or ERROR',
      got: '"debug"',
    });
    expect(problemOf(SETTINGS.logLevel, 'DEBUG')).toBeUndefined();
  });
});
