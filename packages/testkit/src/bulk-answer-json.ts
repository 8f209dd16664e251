// The JSON of a `_bulk` answer, written item by item as the body is indexed. Writing the text
// directly, and only the fields `filter_path` keeps, costs a fraction of building an object per item
// and filtering and stringifying it: the loopback server answers ~100k documents a second in
// benchmarks, where its CPU competes with the logger being measured.
import { PathFilter } from './filter-path.js';

/** Which fields of an accepted item's answer are kept. */
interface OkFields {
  index: boolean;
  id: boolean;
  version: boolean;
  result: boolean;
  /** The `_shards` object's JSON, as filtered (it is the same for every item); undefined when dropped. */
  shards: string | undefined;
  seqNo: boolean;
  primaryTerm: boolean;
  status: boolean;
  /** The kept fields after `_id` of a created item (version 1): the same text for every one. */
  createdTail: string;
}

/** Which fields of a failed item's answer are kept (`error` is written when its type or reason is). */
interface ErrorFields {
  index: boolean;
  id: boolean;
  status: boolean;
  errorType: boolean;
  errorReason: boolean;
}

/** How the items of one operation name (`index`, `create`, …) are written; undefined fields: nothing kept. */
interface OperationFields {
  /** `{"<op>":{` */
  open: string;
  ok: OkFields | undefined;
  error: ErrorFields | undefined;
  /** `open` followed by the `_index` field of `openIndex` (the last index written). */
  openWithIndex: string;
  openIndex: string | undefined;
  /** The whole text of a created item, when neither `_index` nor `_id` is kept (made at the first). */
  created?: string;
}

const SHARDS: readonly (readonly [string, number])[] = [
  ['total', 2],
  ['successful', 1],
  ['failed', 0],
];

function okFields(filter: PathFilter): OkFields | undefined {
  const shardsFilter = filter.child('_shards');
  const shards = shardsFilter && SHARDS.filter(([key]) => shardsFilter.keepsLeaf(key));
  const fields: OkFields = {
    index: filter.keepsLeaf('_index'),
    id: filter.keepsLeaf('_id'),
    version: filter.keepsLeaf('_version'),
    result: filter.keepsLeaf('result'),
    shards: shards?.length ? `{${shards.map(([key, value]) => `"${key}":${value}`).join(',')}}` : undefined,
    seqNo: filter.keepsLeaf('_seq_no'),
    primaryTerm: filter.keepsLeaf('_primary_term'),
    status: filter.keepsLeaf('status'),
    createdTail: '',
  };
  fields.createdTail = okTail(fields, 1);
  return fields.index || fields.id || fields.createdTail !== '' ? fields : undefined;
}

/** The kept fields after `_id` of an accepted item at `version` (1: created, else updated). */
function okTail(fields: OkFields, version: number): string {
  const created = version === 1;
  const kept: string[] = [];
  if (fields.version) kept.push(`"_version":${version}`);
  if (fields.result) kept.push(created ? '"result":"created"' : '"result":"updated"');
  if (fields.shards !== undefined) kept.push(`"_shards":${fields.shards}`);
  if (fields.seqNo) kept.push(`"_seq_no":${version - 1}`);
  if (fields.primaryTerm) kept.push('"_primary_term":1');
  if (fields.status) kept.push(`"status":${created ? 201 : 200}`);
  return kept.join(',');
}

function errorFields(filter: PathFilter): ErrorFields | undefined {
  const errorFilter = filter.child('error');
  const fields: ErrorFields = {
    index: filter.keepsLeaf('_index'),
    id: filter.keepsLeaf('_id'),
    status: filter.keepsLeaf('status'),
    errorType: errorFilter?.keepsLeaf('type') === true,
    errorReason: errorFilter?.keepsLeaf('reason') === true,
  };
  return Object.values(fields).some(Boolean) ? fields : undefined;
}

/**
 * Writes `{ took, errors, items }` as `JSON.stringify` would write it, filtered by `filter_path` as
 * Elasticsearch does (fields are written in the same order, objects left empty are dropped, `{}`
 * when nothing is kept). Call `ok`/`error` once per item in order, then `finish`.
 */
export class BulkAnswerWriter {
  private readonly keepsTook: boolean;
  private readonly keepsErrors: boolean;
  /** The filter of each element of `items`; undefined when `items` is dropped. */
  private readonly itemsFilter: PathFilter | undefined;
  /** Fields kept, by operation name: at most one entry per item of the request this writer answers. */
  private readonly operations = new Map<string, OperationFields>();
  private items = '';
  private keptItems = 0;

  constructor(filterPath: readonly string[] | undefined) {
    const filter = PathFilter.compile(filterPath);
    this.keepsTook = filter.keepsLeaf('took');
    this.keepsErrors = filter.keepsLeaf('errors');
    this.itemsFilter = filter.child('items');
  }

  /** An accepted item: 201 `created` at version 1, else 200 `updated`. */
  ok(op: string, index: string, id: string, version: number): void {
    const operation = this.operation(op);
    const fields = operation?.ok;
    if (operation === undefined || fields === undefined) return;
    // Few pieces per item: the open brace and index, the id, and a tail that is mostly constant.
    let json = fields.index ? this.openWithIndex(operation, index) : operation.open;
    let separator = fields.index ? ',' : '';
    if (fields.id) {
      json += `${separator}"_id":${JSON.stringify(id)}`;
      separator = ',';
    }
    const tail = version === 1 ? fields.createdTail : okTail(fields, version);
    if (separator === '' && version === 1) {
      // Neither `_index` nor `_id` kept (as with `items.*.status`): every created item reads the same.
      operation.created ??= tail === '' ? `${json}}}` : `${json}${tail}}}`;
      this.push(operation.created);
      return;
    }
    this.push(tail === '' ? `${json}}}` : `${json}${separator}${tail}}}`);
  }

  /** A failed item; `id` is null when the action line had none and none was assigned. */
  error(op: string, index: string, id: string | null, status: number, type: string, reason: string): void {
    const operation = this.operation(op);
    const fields = operation?.error;
    if (operation === undefined || fields === undefined) return;
    const kept: string[] = [];
    if (fields.index) kept.push(`"_index":${JSON.stringify(index)}`);
    if (fields.id) kept.push(`"_id":${JSON.stringify(id)}`);
    if (fields.status) kept.push(`"status":${status}`);
    if (fields.errorType || fields.errorReason) {
      const error: string[] = [];
      if (fields.errorType) error.push(`"type":${JSON.stringify(type)}`);
      if (fields.errorReason) error.push(`"reason":${JSON.stringify(reason)}`);
      kept.push(`"error":{${error.join(',')}}`);
    }
    this.push(`${operation.open}${kept.join(',')}}}`);
  }

  /** The answer's JSON text. */
  finish(tookMs: number, errors: boolean): string {
    const parts: string[] = [];
    if (this.keepsTook) parts.push(`"took":${JSON.stringify(tookMs)}`);
    if (this.keepsErrors) parts.push(`"errors":${errors}`);
    // An empty array is kept only when a path ends at `items`; filtered, an empty one is dropped.
    if (this.itemsFilter && (this.itemsFilter.keepsAll || this.keptItems > 0)) parts.push(`"items":[${this.items}]`);
    return `{${parts.join(',')}}`;
  }

  private push(itemJson: string): void {
    this.items = this.keptItems === 0 ? itemJson : `${this.items},${itemJson}`;
    this.keptItems++;
  }

  /** `{"<op>":{"_index":<index>`, made again only when the index differs from the last item's. */
  private openWithIndex(operation: OperationFields, index: string): string {
    if (index !== operation.openIndex) {
      operation.openIndex = index;
      operation.openWithIndex = `${operation.open}"_index":${JSON.stringify(index)}`;
    }
    return operation.openWithIndex;
  }

  /** How items of `op` are written; undefined when no path keeps anything of them. */
  private operation(op: string): OperationFields | undefined {
    if (this.itemsFilter === undefined) return undefined;
    let operation = this.operations.get(op);
    if (operation === undefined) {
      const filter = this.itemsFilter.child(op);
      const open = `{${JSON.stringify(op)}:{`;
      operation = {
        open,
        ok: filter && okFields(filter),
        error: filter && errorFields(filter),
        openWithIndex: open,
        openIndex: undefined,
      };
      this.operations.set(op, operation);
    }
    return operation;
  }
}
