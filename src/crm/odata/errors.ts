/**
 * The error every OData parsing or binding step throws. It carries what Dataverse answers: an HTTP
 * status, the hexadecimal error code and a message in the wording Dataverse (through the OData
 * library it is built on) uses, positions included, so clients and tests see the same text.
 */
export const ODATA_ERROR_CODE = "0x80060888";

export class ODataError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(message: string, options: { status?: number; code?: string } = {}) {
    super(message);
    this.name = "ODataError";
    this.status = options.status ?? 400;
    this.code = options.code ?? ODATA_ERROR_CODE;
  }
}

/** Message templates, named after what went wrong; `{pos}` is a 0-based character index. */
export const messages = {
  syntaxError: (pos: number, text: string) => `Syntax error at position ${pos} in '${text}'.`,
  invalidCharacter: (ch: string, pos: number, text: string) =>
    `Syntax error: character '${ch}' is not valid at position ${pos} in '${text}'.`,
  unterminatedString: (pos: number, text: string) =>
    `There is an unterminated string literal at position ${pos} in '${text}'.`,
  unterminatedLiteral: (pos: number, text: string) => `There is an unterminated literal at position ${pos} in '${text}'.`,
  digitExpected: (pos: number, text: string) => `A digit was expected at position ${pos} in '${text}'.`,
  expressionExpected: (pos: number, text: string) => `Expression expected at position ${pos} in '${text}'.`,
  openParenExpected: (pos: number, text: string) => `'(' expected at position ${pos} in '${text}'.`,
  closeParenOrCommaExpected: (pos: number, text: string) => `')' or ',' expected at position ${pos} in '${text}'.`,
  closeParenOrOperatorExpected: (pos: number, text: string) =>
    `')' or operator expected at position ${pos} in '${text}'.`,
  tooDeep: () => "Recursion depth exceeded allowed limit.",
  rangeVariableAlreadyDeclared: (name: string) => `The range variable '${name}' has already been declared.`,
  unrecognizedLiteral: (type: string, literal: string, pos: number, text: string) =>
    `Unrecognized '${type}' literal '${literal}' at '${pos}' in '${text}'.`,
  propertyNotFound: (name: string, type: string) => `Could not find a property named '${name}' on type '${type}'.`,
  unknownFunction: (name: string) =>
    `An unknown function with name '${name}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`,
  noApplicableFunction: (name: string, signatures: string) =>
    `No function signature for the function with name '${name}' matches the specified arguments. The function signatures considered are: ${signatures}.`,
  incompatibleOperands: (left: string, right: string, op: string) =>
    `A binary operator with incompatible types was detected. Found operand types '${left}' and '${right}' for operator kind '${op}'.`,
  incompatibleOperand: (type: string, op: string) =>
    `A unary operator with an incompatible type was detected. Found operand type '${type}' for operator kind '${op}'.`,
  filterNotBoolean: () => "The $filter expression must evaluate to a single boolean value.",
  orderByNotSingleValue: () => "The $orderby expression must evaluate to a single value of primitive type.",
  invalidTop: (value: string) =>
    `Invalid value '${value}' for $top query option found. The $top query option requires a non-negative integer value.`,
  invalidCount: (value: string) => `Invalid value '${value}' for $count query option found. Valid values are 'true, false'.`,
  duplicateOption: (name: string) => `Query option '${name}' was specified more than once, but it must be specified at most once.`,
  skipNotSupported: () => "Skip Clause is not supported in CRM",
  queryOptionNotSupported: (name: string) => `The query parameter ${name} is not supported`,
  resourceNotFound: (segment: string) => `Resource not found for the segment '${segment}'.`,
  termNotValid: (term: string) => `Term '${term}' is not valid in a $select or $expand expression.`,
  notNavigationProperty: (name: string, type: string) =>
    `Property '${name}' on type '${type}' is not a navigation property or complex property. Only navigation properties can be expanded.`,
  lambdaParentMustBeCollection: () => "Any/All may only be used following a collection.",
  parameterNotInScope: (name: string) => `The parameter '${name}' is not in scope.`,
  nestedExpandOptions: () =>
    "Only $select and $filter clause can be provided while doing $expand on many-to-one relationship or nested one-to-many relationship.",
  notWithCustomOperator: () => "Not operator along with the Custom Named Condition operators is not allowed",
  expandCountExceeded: (count: number, max: number) =>
    `The result of parsing $expand contained at least ${count} items, but the maximum allowed is ${max}.`,
} as const;
