/**
 * Types of the pcmod language and the shape of stdlib declarations.
 */
import type { HandlerEvent } from '../ast/nodes.js';

/** A value type in pcmod. `void` is only a return type. */
export type PcType =
  | 'bool'
  | 'int'
  | 'str'
  | 'duration'
  | 'size'
  | 'list<str>'
  | 'list<int>'
  | 'map'
  | 'void';

/** Runtime representation: bool → boolean, int → number, str → string, duration → seconds (number),
 * size → bytes (number), list<…> → readonly array, map → ReadonlyMap<string, string>. */
export const valueTypes: readonly PcType[] = [
  'bool',
  'int',
  'str',
  'duration',
  'size',
  'list<str>',
  'list<int>',
  'map',
];

/** Whether a value of type `from` may be passed where `to` is expected. */
export function isAssignable(from: PcType, to: PcType): boolean {
  if (from === to) return true;
  // Plain integers mean seconds and bytes (DESIGN §6), so int flows into duration and size.
  if (from === 'int' && (to === 'duration' || to === 'size')) return true;
  return false;
}

export interface StdParam {
  readonly name: string;
  readonly type: PcType;
  readonly optional?: boolean;
  readonly doc: string;
}

/** Whether a call can end the pipeline with a response. */
export type RespondsEffect = 'never' | 'maybe' | 'always';

export interface StdEffects {
  /** The call returns a promise; a handler that makes such a call compiles to an async function. */
  readonly async: boolean;
  /** `maybe`: generated code checks whether a response was produced after the call. */
  readonly responds: RespondsEffect;
}

export interface StdFunction {
  /** Full dotted name as written in scripts: `std.cache.check`, `header`. */
  readonly name: string;
  readonly params: readonly StdParam[];
  readonly returns: PcType;
  /** Handlers that may call it. */
  readonly phases: readonly HandlerEvent[];
  readonly effects: StdEffects;
  /** One line for completion, hover and the stdlib reference. */
  readonly doc: string;
}

/** A request/response field readable as a bare name in expressions. */
export interface RequestField {
  readonly name: string;
  readonly type: PcType;
  readonly phases: readonly HandlerEvent[];
  readonly doc: string;
}
