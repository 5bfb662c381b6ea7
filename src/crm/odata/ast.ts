/**
 * The syntax tree of OData expressions, before anything is known about tables and columns.
 * Binding against the schema (bind.ts) turns it into typed, checked nodes.
 */
export type LiteralKind =
  | "string"
  | "int32"
  | "int64"
  | "decimal"
  | "double"
  | "single"
  | "guid"
  | "date"
  | "datetimeoffset"
  | "timeofday"
  | "boolean"
  | "null"
  | "typed";

export interface LiteralNode {
  kind: "literal";
  type: LiteralKind;
  /** Parsed value: string, number, bigint (int64), boolean or null; for typed literals the raw text. */
  value: string | number | bigint | boolean | null;
  text: string;
  pos: number;
}

/** A member path `a/b/c`; `range` is set when it starts at a lambda variable (`t/statecode`). */
export interface PathNode {
  kind: "path";
  segments: string[];
  range?: string;
  pos: number;
}

export type BinaryOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le" | "and" | "or" | "add" | "sub" | "mul" | "div" | "mod" | "has" | "in";

export interface BinaryNode {
  kind: "binary";
  op: BinaryOp;
  left: ExprNode;
  right: ExprNode;
  pos: number;
}

export interface UnaryNode {
  kind: "unary";
  op: "not" | "negate";
  operand: ExprNode;
  pos: number;
}

export interface CallArgument {
  /** Set for named parameters (`PropertyName='x'`). */
  name?: string;
  value: ExprNode;
}

export interface CallNode {
  kind: "call";
  /** Full (possibly dotted) name as written, e.g. `contains` or `Microsoft.Dynamics.CRM.In`. */
  name: string;
  args: CallArgument[];
  pos: number;
}

export interface LambdaNode {
  kind: "lambda";
  op: "any" | "all";
  source: PathNode;
  variable?: string;
  body?: ExprNode;
  pos: number;
}

export interface AliasNode {
  kind: "alias";
  name: string;
  pos: number;
}

/** A parenthesised list `(1,2,3)` (right side of `in`) or a JSON-like bracket list `["a","b"]`. */
export interface ListNode {
  kind: "list";
  items: ExprNode[];
  pos: number;
}

export type ExprNode = LiteralNode | PathNode | BinaryNode | UnaryNode | CallNode | LambdaNode | AliasNode | ListNode;

export interface OrderByItem {
  expr: ExprNode;
  descending: boolean;
}

export interface SelectItem {
  name: string;
  pos: number;
}

export interface ExpandItem {
  /** Navigation property name. */
  name: string;
  ref: boolean;
  pos: number;
  select?: SelectItem[] | undefined;
  selectText?: string | undefined;
  filter?: ExprNode | undefined;
  filterText?: string | undefined;
  orderBy?: OrderByItem[] | undefined;
  top?: number | undefined;
  expand?: ExpandItem[] | undefined;
}
