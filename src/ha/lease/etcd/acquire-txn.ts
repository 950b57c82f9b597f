import { CompareResult, CompareTarget, type ITxnRequest } from 'etcd3';

/**
 * Takes the lease key if nobody has it: `if (create_revision(key) == 0) then put(key, holder)
 * bound to our etcd lease; range(key) else range(key)`. A missing key has create revision 0, so
 * exactly one of several concurrent transactions succeeds. The success branch reads the key back
 * so that its create revision, the epoch, comes from the same atomic step; the failure branch
 * returns the holder's record and the key's create revision for the caller's message and watch.
 *
 * Responses: success → [put, range]; failure → [range].
 */
export function acquireTxn(key: Buffer, holderRecord: Buffer, leaseId: string): ITxnRequest {
  return {
    compare: [{ key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }],
    success: [{ request_put: { key, value: holderRecord, lease: leaseId } }, { request_range: { key } }],
    failure: [{ request_range: { key } }],
  };
}
