import { CompareResult, CompareTarget, type ITxnRequest } from 'etcd3';

/**
 * Deletes the lease key only if it is still the one this holder created (create revision ==
 * epoch): a holder that lost the lease and releases late must not delete its successor's key.
 */
export function releaseTxn(key: Buffer, epoch: number): ITxnRequest {
  return {
    compare: [{ key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: epoch }],
    success: [{ request_delete_range: { key } }],
    failure: [],
  };
}
