import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain-errors.js';
import { validateEventData } from '../../src/events/catalogue.js';
import { normaliseEventPhones, phonePaths, phoneReason } from '../../src/events/phones.js';
import { phoneProblem, toE164 } from '../../src/phone.js';
import { Checks, checkMoney, checkPhone } from '../../src/validation.js';

const SENTENCE = 'must be a phone number, e.g. +6281234567890 or 081234567890';

describe('phone numbers as E.164', () => {
  it("reads national numbers in the tenant's country, whatever their separators", () => {
    expect(toE164('081234567890', 'ID')).toBe('+6281234567890');
    expect(toE164(' 0812-3456-7890 ', 'ID')).toBe('+6281234567890');
    expect(toE164('(021) 555-0123', 'ID')).toBe('+62215550123');
    expect(toE164('06 12 34 56 78', 'FR')).toBe('+33612345678');
    expect(toE164('(201) 555-0123', 'US')).toBe('+12015550123');
  });

  it('keeps an international number in its own country, whatever the tenant’s', () => {
    expect(toE164('+6281234567890', 'FR')).toBe('+6281234567890');
    expect(toE164('+62 812-3456-7890', 'ID')).toBe('+6281234567890');
    expect(toE164('+33612345678', null)).toBe('+33612345678');
  });

  it('refuses what is no possible number there', () => {
    for (const bad of ['0812', '081234567890123456', 'abc', '', '+0812345678', '0812 ext 5', '62-abc-1234'])
      expect(toE164(bad, 'ID'), bad).toBeNull();
    // Without a country only the international form can be read.
    expect(toE164('081234567890', null)).toBeNull();
    expect(toE164('081234567890', 'XX')).toBeNull();
  });

  it('says what a phone must be as a sentence, with examples from the country', () => {
    expect(phoneProblem()).toBe(SENTENCE);
    expect(phoneProblem('ID')).toBe(SENTENCE);
    expect(phoneProblem('FR')).toBe('must be a phone number, e.g. +33612345678 or 0612345678');
    expect(() => checkPhone('input.phone', '0812', 'ID')).toThrow(
      new ValidationError('input.phone', `input.phone ${SENTENCE}`),
    );
    expect(checkPhone('input.phone', '081234567890', 'ID')).toBe('+6281234567890');
  });
});

describe("events' phones", () => {
  const report = (patientPhone: string, centrePhone?: string) => ({
    patient: { id: 'p-1', name: 'Siti', phone: patientPhone },
    report: { id: 'r-1', name: 'Lab' },
    centre: { id: 'c-1', name: 'Klinik', ...(centrePhone ? { phone: centrePhone } : {}) },
  });

  it('finds every phone of a type, through references and arrays', () => {
    expect(phonePaths('report.ready')).toEqual([
      ['patient', 'phone'],
      ['centre', 'phone'],
    ]);
    expect(phonePaths('doctor.emergency_leave')).toEqual([
      ['centre', 'phone'],
      ['affected', '*', 'patient', 'phone'],
    ]);
    expect(phonePaths('credit.insufficient')).toEqual([]);
  });

  it('normalises them to E.164 without touching the original', () => {
    const data = report('0812-3456-7890', '(021) 555-0123');
    expect(validateEventData('report.ready', data)).toEqual({ ok: true });
    const out = normaliseEventPhones('report.ready', data, 'ID');
    expect(out).toEqual({ ok: true, data: report('+6281234567890', '+62215550123') });
    expect(data.patient.phone).toBe('0812-3456-7890');
    // Already E.164: the same object back, no copy.
    const e164 = report('+6281234567890');
    expect(normaliseEventPhones('report.ready', e164, 'ID')).toEqual({ ok: true, data: e164 });
    expect((normaliseEventPhones('report.ready', e164, 'ID') as { data: unknown }).data).toBe(e164);
  });

  it('names every bad phone by its JSON pointer', () => {
    const leave = {
      affected: [
        { patient: { phone: '081234567890' } },
        { patient: { phone: '0812' } },
        { patient: { phone: '0813' } },
      ],
    };
    const out = normaliseEventPhones('doctor.emergency_leave', leave, 'ID');
    expect(out).toEqual({
      ok: false,
      errors: [
        { path: '/affected/1/patient/phone', message: SENTENCE },
        { path: '/affected/2/patient/phone', message: SENTENCE },
      ],
    });
    expect(phoneReason((out as { errors: { path: string; message: string }[] }).errors)).toBe(
      `INVALID_DATA: /affected/1/patient/phone ${SENTENCE}; /affected/2/patient/phone ${SENTENCE}`,
    );
  });
});

describe('every invalid field at once', () => {
  it('lists each problem, in order, with a count in the message', () => {
    const c = new Checks();
    c.check(() => checkPhone('input.phone', 'x', 'ID'));
    expect(c.check(() => checkPhone('input.other', '081234567890', 'ID'))).toBe('+6281234567890');
    c.add('input.name', 'input.name must not be empty');
    let thrown: ValidationError | undefined;
    try {
      c.done();
    } catch (err) {
      thrown = err as ValidationError;
    }
    expect(thrown?.fields).toEqual([
      { path: 'input.phone', message: `input.phone ${SENTENCE}` },
      { path: 'input.name', message: 'input.name must not be empty' },
    ]);
    expect(thrown?.message).toBe(`2 invalid fields: input.phone ${SENTENCE}; input.name must not be empty`);
    expect(thrown?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.phone', fields: thrown?.fields });
    expect(() => new Checks().done()).not.toThrow();
  });

  it('says exactly what is wrong with an amount', () => {
    const problem = (v: string, currency = 'IDR') => {
      try {
        checkMoney('amount', v, currency);
        return 'ok';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problem('-5')).toBe('amount must not be negative (it is -5)');
    expect(problem('0')).toBe('amount must be greater than zero');
    const digits =
      'amount must be a number written with digits and at most one ".", such as "1250.50" (no sign, exponent or thousands separator)';
    for (const v of ['abc', '1e5', '250,000', '', '12.', '+5']) expect(problem(v), v).toBe(digits);
    expect(problem('12.5', 'JPY')).toBe('amount has more than 0 decimal places, the precision of JPY');
    expect(problem('1250.50')).toBe('ok');
  });
});
