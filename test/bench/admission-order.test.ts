import { checkAdmissionOrder, orderViolations } from '../../scripts/lib/bench-admission-order';

const fans = (pairs: Array<[number, number]>) => pairs.map(([queueNumber, admissionNumber]) => ({ queueNumber, admissionNumber }));

describe('admission order check', () => {
  test('fans let in in join order, with gaps in the join numbers, have no violation', () => {
    const check = checkAdmissionOrder(fans([[3, 2], [1, 1], [7, 3], [9, 4]]));
    expect(check).toEqual({ admitted: 4, inversions: 0, duplicateAdmissionNumbers: 0, duplicateQueueNumbers: 0 });
    expect(orderViolations(check)).toBe(0);
  });

  test('counts every pair let in out of join order', () => {
    // Join order 1..4 admitted as 4, 3, 2, 1: all six pairs are inverted.
    expect(checkAdmissionOrder(fans([[1, 4], [2, 3], [3, 2], [4, 1]])).inversions).toBe(6);
    // One late joiner let in first: it jumped over three fans.
    expect(checkAdmissionOrder(fans([[1, 2], [2, 3], [3, 4], [4, 1]])).inversions).toBe(3);
  });

  test('matches a pairwise count on a shuffled room', () => {
    const admitted = Array.from({ length: 300 }, (_, i) => ({ queueNumber: i + 1, admissionNumber: ((i * 7919) % 300) + 1 }));
    let pairs = 0;
    for (const a of admitted) for (const b of admitted) if (a.queueNumber < b.queueNumber && a.admissionNumber > b.admissionNumber) pairs++;
    expect(checkAdmissionOrder(admitted).inversions).toBe(pairs);
  });

  test('a number handed out twice is a violation', () => {
    const check = checkAdmissionOrder(fans([[1, 1], [2, 1], [2, 3]]));
    expect(check.duplicateAdmissionNumbers).toBe(1);
    expect(check.duplicateQueueNumbers).toBe(1);
    expect(orderViolations(check)).toBe(2);
  });
});
