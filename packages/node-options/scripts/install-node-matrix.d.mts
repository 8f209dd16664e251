export declare const NODE_MATRIX_MAJORS: readonly string[];
export declare const NODE_CACHE_DIR: string;
export declare const NODE_INSTALL_TIMEOUT_MS: number;
export declare function nodeBinary(major: string): string;
export declare function failureFile(major: string): string;
export declare function isCi(env?: NodeJS.ProcessEnv): boolean;
export declare function installedNode(
  major: string,
): { node: string; reason?: undefined } | { node?: undefined; reason: string };
export declare function installNode(major: string): Promise<string | undefined>;
