// s3rver (a test-only S3-protocol server) ships without type declarations.
declare module "s3rver";
