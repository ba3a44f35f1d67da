/**
 * GraphQL errors about input values that do not echo the values. graphql-js
 * prints the submitted value in its coercion and validation messages (`got
 * invalid value { token: "…" }`, `cannot represent …: 42`); a secret sent in
 * the wrong shape would come back in the answer. These messages name the
 * variable, the path and the expected type instead.
 */
import { coerceInputValue, GraphQLError, type GraphQLSchema, isInputType, isNonNullType, typeFromAST, type VariableDefinitionNode } from 'graphql';

/** graphql-js messages that print a value, and the same message without it. */
const VALUE_MESSAGES: [RegExp, string][] = [
  [/^Expected value of type "([^"]+)", found [\s\S]*$/, 'Expected value of type "$1".'],
  [/^((?:Int|Float|String|Boolean|ID|Enum "\w+") cannot represent [^:]*?): [\s\S]*$/, '$1.'],
  [/^Value "[\s\S]*" does not exist in "(\w+)" enum\.[\s\S]*$/, 'The value is not one of the values of enum "$1".'],
  [/^Scalar "(\w+)" cannot represent [\s\S]*$/, 'The value cannot be represented as scalar "$1".'],
];

/** The message without any value it printed (and at most 300 characters of it). */
export function withoutValues(message: string): string {
  for (const [pattern, replacement] of VALUE_MESSAGES) {
    if (pattern.test(message)) return message.replace(pattern, replacement);
  }
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

/** A validation error (of a value written in the document) without the value. */
export function withoutValue(error: Error): Error {
  const message = withoutValues(error.message);
  if (message === error.message) return error;
  const { nodes, extensions } = error as GraphQLError;
  return new GraphQLError(message, { nodes, extensions });
}

/**
 * The errors of coercing an operation's variables, by graphql-js's own rules
 * (every one, @oneOf included), each naming the variable and path, never the value.
 */
export function variableErrors(
  schema: GraphQLSchema,
  definitions: readonly VariableDefinitionNode[],
  inputs: Record<string, unknown>,
  maxErrors = 50,
): GraphQLError[] {
  const errors: GraphQLError[] = [];
  for (const definition of definitions) {
    if (errors.length >= maxErrors) break;
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    if (!type || !isInputType(type)) {
      errors.push(new GraphQLError(`Variable "$${name}" is not of an input type.`, { nodes: definition.type }));
      continue;
    }
    if (!Object.hasOwn(inputs, name)) {
      if (!definition.defaultValue && isNonNullType(type)) {
        errors.push(new GraphQLError(`Variable "$${name}" of required type "${String(type)}" was not provided.`, { nodes: definition }));
      }
      continue;
    }
    const value = inputs[name];
    if (value === null && isNonNullType(type)) {
      errors.push(new GraphQLError(`Variable "$${name}" of non-null type "${String(type)}" must not be null.`, { nodes: definition }));
      continue;
    }
    coerceInputValue(value, type, (path, _invalid, error) => {
      const at = path.length > 0 ? ` at "${name}${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}"` : '';
      errors.push(new GraphQLError(`Variable "$${name}" got an invalid value${at}; ${withoutValues(error.message)}`, { nodes: definition }));
    });
  }
  return errors.slice(0, maxErrors);
}
