/**
 * Branded identifiers and units shared by every layer. Brands are compile-time only: at run time
 * these are plain strings and numbers, so they cost nothing on the hot path.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type RequestId = Brand<string, 'RequestId'>;
export type InstanceId = Brand<string, 'InstanceId'>;
export type TenantId = Brand<string, 'TenantId'>;

export const asRequestId = (s: string): RequestId => s as RequestId;
export const asInstanceId = (s: string): InstanceId => s as InstanceId;
export const asTenantId = (s: string): TenantId => s as TenantId;
