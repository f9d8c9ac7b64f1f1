import 'aws-sdk-client-mock-jest';

// Tests run on whatever Node the machine has; the SDK's notice about Node 20 is noise in their output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
