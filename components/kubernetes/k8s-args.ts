/**
 * The manifests are typed with kubernetes-models (e.g. a Quantity is `number | string`), while
 * @pulumi/kubernetes types the same OpenAPI schema with strings; the objects themselves are checked
 * against the schema by the validation test, so the resources take them as they are.
 */
export function asArgs<T>(manifest: object): T {
  return manifest as unknown as T;
}
