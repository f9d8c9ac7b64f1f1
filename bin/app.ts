#!/usr/bin/env node
/**
 * The CDK app. Everything comes from context, so no code changes are needed:
 *   npx cdk deploy -c targets=orders,payments
 *   npx cdk deploy -c deployOnPublish=true   (per-target settings in cdk.json "deployOnPublishDefaults")
 *   npx cdk deploy --all -c examplePipeline=true
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../app/app';

buildApp(new App());
