/** Parsed templates. Every node keeps the source offset errors point at. */

export interface Args {
  positional: Expr[];
  named: Array<{ name: string; value: Expr; pos: number }>;
}

export type BinaryOp =
  | "or" | "and" | "contains" | "==" | "equals" | "!="
  | ">" | "<" | ">=" | "<=" | "+" | "-" | "*" | "/" | "%" | "~" | "..";

export type Expr =
  | { kind: "literal"; value: unknown; pos: number }
  | { kind: "variable"; name: string; pos: number }
  /** `a.b` (name), `a.b(args)` (name + args), `a[expr]` (key). */
  | { kind: "attribute"; object: Expr; name: string | null; key: Expr | null; args: Expr[] | null; pos: number }
  | { kind: "unary"; op: "not" | "-" | "+"; operand: Expr; pos: number }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr; pos: number }
  | { kind: "test"; operand: Expr; name: string; args: Args; negated: boolean; pos: number }
  | { kind: "filter"; input: Expr; name: string; args: Args; pos: number }
  | { kind: "call"; name: string; args: Args; pos: number }
  | { kind: "ternary"; condition: Expr; then: Expr; otherwise: Expr; pos: number }
  | { kind: "list"; items: Expr[]; pos: number }
  | { kind: "map"; entries: Array<[Expr, Expr]>; pos: number }
  /** A double-quoted string with `#{}` interpolation. */
  | { kind: "interpolation"; parts: Expr[]; pos: number };

export type Node =
  | { kind: "text"; text: string; pos: number }
  | { kind: "print"; expr: Expr; pos: number }
  | { kind: "if"; branches: Array<{ condition: Expr; body: Node[]; pos: number }>; otherwise: Node[] | null; pos: number }
  | { kind: "for"; variable: string; iterable: Expr; body: Node[]; otherwise: Node[] | null; pos: number }
  | { kind: "set"; name: string; expr: Expr; pos: number };
