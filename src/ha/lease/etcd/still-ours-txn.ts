import { CompareResult, CompareTarget, type ITxnRequest } from 'etcd3';

/**
 * Succeeds only while the lease key is the one this holder created: its create revision is the
 * holder's epoch. A key deleted (expired, released) or re-created by another holder has a
 * different create revision (0 when missing), so the transaction fails and the holder has lost.
 */
export function stillOursTxn(key: Buffer, epoch: number): ITxnRequest {
  return {
    compare: [{ key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: epoch }],
    success: [],
    failure: [],
  };
}
