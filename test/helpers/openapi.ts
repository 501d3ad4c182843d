import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { buildOpenApiDocument, type OpenApiDocument } from '../../tools/openapi';

/** Where the document is registered in Ajv: its `#/components/...` references resolve inside it. */
const DOCUMENT_ID = 'https://moderation-bridge.invalid/openapi.json';

/** What a validation found: nothing when the value conforms. */
export interface Conformance {
  valid: boolean;
  /** Ajv's errors, as `instancePath keyword message` lines. */
  errors: string[];
}

/** Validates values against the schemas of an OpenAPI document with Ajv (JSON Schema 2020-12 + formats). */
export interface DocumentValidator {
  readonly document: OpenApiDocument;
  /** Against the request body schema of an operation. */
  request(path: string, method: string, value: unknown): Conformance;
  /** Against the response body schema of an operation's status. */
  response(path: string, method: string, status: number | string, value: unknown): Conformance;
  /** Against a component schema. */
  component(name: string, value: unknown): Conformance;
  /** The values of the examples of an operation's answer with this status, in the document's order. */
  examples(path: string, method: string, status: number | string): unknown[];
}

const lines = (errors: ErrorObject[] | null | undefined): string[] =>
  (errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.keyword} ${error.message ?? ''}`);

type JsonNode = Record<string, unknown>;

const child = (node: unknown, key: string): unknown =>
  node !== null && typeof node === 'object' ? (node as JsonNode)[key] : undefined;

/**
 * A validator of the document (by default the one `buildOpenApiDocument()` makes). Ajv is strict:
 * only the OpenAPI keywords the document uses in schemas are added, as annotations.
 */
export function documentValidator(document: OpenApiDocument = buildOpenApiDocument()): DocumentValidator {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  // `components` holds the schemas; `discriminator` (OpenAPI's) only annotates the event union.
  ajv.addVocabulary(['components', 'discriminator']);
  ajv.addSchema({ $id: DOCUMENT_ID, components: document.components });
  const compiled = new Map<string, ValidateFunction>();

  const check = (schema: unknown, key: string, value: unknown): Conformance => {
    if (schema === undefined) throw new Error(`the document has no schema at ${key}`);
    let validate = compiled.get(key);
    if (validate === undefined) {
      // Inline schemas (a oneOf of components) refer to the document's components by absolute URI.
      const absolute = JSON.parse(
        JSON.stringify(schema).replaceAll('"#/components/', `"${DOCUMENT_ID}#/components/`),
      ) as object;
      validate = ajv.compile(absolute);
      compiled.set(key, validate);
    }
    const valid = validate(value);
    return { valid, errors: lines(validate.errors) };
  };
  const operation = (path: string, method: string) => child(child(document.paths, path), method);
  const jsonMedia = (node: unknown) => child(child(node, 'content'), 'application/json');
  const jsonSchema = (node: unknown) => child(jsonMedia(node), 'schema');
  const answer = (path: string, method: string, status: number | string) =>
    child(child(operation(path, method), 'responses'), String(status));

  return {
    document,
    request: (path, method, value) =>
      check(jsonSchema(child(operation(path, method), 'requestBody')), `${method} ${path} request`, value),
    response: (path, method, status, value) =>
      check(jsonSchema(answer(path, method, status)), `${method} ${path} ${status}`, value),
    component: (name, value) => check({ $ref: `#/components/schemas/${name}` }, `component ${name}`, value),
    examples: (path, method, status) => {
      const examples = child(jsonMedia(answer(path, method, status)), 'examples');
      return examples !== null && typeof examples === 'object'
        ? Object.values(examples).map((example) => child(example, 'value'))
        : [];
    },
  };
}
