import { answerRefusal, canMoveTo, CONTACT_STATUSES, ContactRefused, ContactStatus, isOpen } from '../../src/domain/contact';

describe('contact transitions', () => {
  it('a requested contact may be accepted, rejected, started or cancelled, but not completed unaccepted', () => {
    for (const to of ['accepted', 'rejected', 'in-progress', 'cancelled'] as const) expect(canMoveTo('requested', to)).toBe(true);
    expect(canMoveTo('requested', 'completed')).toBe(false);
  });

  it('an accepted contact moves forward, never back to requested or to rejected', () => {
    for (const to of ['in-progress', 'completed', 'cancelled'] as const) expect(canMoveTo('accepted', to)).toBe(true);
    expect(canMoveTo('accepted', 'requested')).toBe(false);
    expect(canMoveTo('accepted', 'rejected')).toBe(false);
  });

  it('work in progress may only be completed or cancelled', () => {
    expect(canMoveTo('in-progress', 'completed')).toBe(true);
    expect(canMoveTo('in-progress', 'cancelled')).toBe(true);
    for (const to of ['requested', 'accepted', 'rejected'] as const) expect(canMoveTo('in-progress', to)).toBe(false);
  });

  it('rejected, completed and cancelled are final: nothing follows them but themselves', () => {
    for (const from of ['rejected', 'completed', 'cancelled'] as const) {
      for (const to of CONTACT_STATUSES) expect(canMoveTo(from, to)).toBe(to === from);
    }
  });

  it('staying in the same status is always allowed (a note or progress without a move)', () => {
    for (const s of CONTACT_STATUSES) expect(canMoveTo(s, s)).toBe(true);
  });

  it('requested, accepted and in-progress are open; the final statuses are not', () => {
    const open = CONTACT_STATUSES.filter((s: ContactStatus) => isOpen(s));
    expect(open).toEqual(['requested', 'accepted', 'in-progress']);
  });
});

describe('answerRefusal', () => {
  it('refuses an answer made to a version the caller did not see', () => {
    expect(answerRefusal({ status: 'requested', version: 3 }, { status: 'accepted' }, 2)).toEqual({ code: 'stale-version', version: 3, expectedVersion: 2 });
  });

  it('refuses a move the transitions do not allow, once the version matches', () => {
    expect(answerRefusal({ status: 'completed', version: 2 }, { status: 'in-progress' }, 2)).toEqual({ code: 'bad-transition', from: 'completed', to: 'in-progress' });
  });

  it('checks the version first: a stale answer is refused as stale even when its move is impossible', () => {
    expect(answerRefusal({ status: 'completed', version: 5 }, { status: 'requested' }, 4)?.code).toBe('stale-version');
  });

  it('allows an allowed move, with or without a version, and changes that do not move the status', () => {
    expect(answerRefusal({ status: 'requested', version: 1 }, { status: 'accepted' }, 1)).toBeUndefined();
    expect(answerRefusal({ status: 'requested', version: 7 }, { status: 'rejected', statusReason: { text: 'Not ours' } })).toBeUndefined();
    expect(answerRefusal({ status: 'cancelled', version: 2 }, { note: 'Called the ward' })).toBeUndefined();
  });

  it('is carried by ContactRefused with its code and words', () => {
    const err = new ContactRefused({ code: 'bad-transition', from: 'rejected', to: 'accepted' });
    expect(err.code).toBe('bad-transition');
    expect(err.message).toBe('a rejected contact cannot become accepted');
    expect(new ContactRefused({ code: 'stale-version', version: 2, expectedVersion: 1 }).message).toBe('the contact is at version 2, not 1');
  });
});
