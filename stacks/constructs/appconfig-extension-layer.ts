import type { Partition } from '../../config/arn';

/**
 * The AWS AppConfig Agent Lambda extension for arm64 functions: one AWS-owned layer per region.
 *
 * Source: https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-integration-lambda-extensions-versions.html
 * (section "ARM64 platform", extension version 2.0.17054.0). AWS publishes a new layer version with
 * each release and keeps the old ones working; to move on, update this table from that page, or
 * pin a region in the topology with `forwarder.appConfigLayerArns`. A pinned version never changes
 * under a deployed function: upgrades are reviewed plans, not surprises.
 */
export const APPCONFIG_EXTENSION_VERSION = '2.0.17054.0';

export const APPCONFIG_EXTENSION_ARM64_LAYERS: Readonly<Record<string, string>> = {
  'us-east-1': 'arn:aws:lambda:us-east-1:027255383542:layer:AWS-AppConfig-Extension-Arm64:254',
  'us-east-2': 'arn:aws:lambda:us-east-2:728743619870:layer:AWS-AppConfig-Extension-Arm64:229',
  'us-west-1': 'arn:aws:lambda:us-west-1:958113053741:layer:AWS-AppConfig-Extension-Arm64:272',
  'us-west-2': 'arn:aws:lambda:us-west-2:359756378197:layer:AWS-AppConfig-Extension-Arm64:275',
  'ca-central-1': 'arn:aws:lambda:ca-central-1:039592058896:layer:AWS-AppConfig-Extension-Arm64:182',
  'ca-west-1': 'arn:aws:lambda:ca-west-1:436199621743:layer:AWS-AppConfig-Extension-Arm64:162',
  'eu-central-1': 'arn:aws:lambda:eu-central-1:066940009817:layer:AWS-AppConfig-Extension-Arm64:238',
  'eu-central-2': 'arn:aws:lambda:eu-central-2:758369105281:layer:AWS-AppConfig-Extension-Arm64:178',
  'eu-west-1': 'arn:aws:lambda:eu-west-1:434848589818:layer:AWS-AppConfig-Extension-Arm64:241',
  'eu-west-2': 'arn:aws:lambda:eu-west-2:282860088358:layer:AWS-AppConfig-Extension-Arm64:194',
  'eu-west-3': 'arn:aws:lambda:eu-west-3:493207061005:layer:AWS-AppConfig-Extension-Arm64:192',
  'eu-north-1': 'arn:aws:lambda:eu-north-1:646970417810:layer:AWS-AppConfig-Extension-Arm64:226',
  'eu-south-1': 'arn:aws:lambda:eu-south-1:203683718741:layer:AWS-AppConfig-Extension-Arm64:177',
  'eu-south-2': 'arn:aws:lambda:eu-south-2:586093569114:layer:AWS-AppConfig-Extension-Arm64:175',
  'ap-east-1': 'arn:aws:lambda:ap-east-1:630222743974:layer:AWS-AppConfig-Extension-Arm64:182',
  'ap-east-2': 'arn:aws:lambda:ap-east-2:730335625313:layer:AWS-AppConfig-Extension-Arm64:121',
  'ap-northeast-1': 'arn:aws:lambda:ap-northeast-1:980059726660:layer:AWS-AppConfig-Extension-Arm64:225',
  'ap-northeast-2': 'arn:aws:lambda:ap-northeast-2:826293736237:layer:AWS-AppConfig-Extension-Arm64:181',
  'ap-northeast-3': 'arn:aws:lambda:ap-northeast-3:706869817123:layer:AWS-AppConfig-Extension-Arm64:187',
  'ap-southeast-1': 'arn:aws:lambda:ap-southeast-1:421114256042:layer:AWS-AppConfig-Extension-Arm64:210',
  'ap-southeast-2': 'arn:aws:lambda:ap-southeast-2:080788657173:layer:AWS-AppConfig-Extension-Arm64:256',
  'ap-southeast-3': 'arn:aws:lambda:ap-southeast-3:418787028745:layer:AWS-AppConfig-Extension-Arm64:193',
  'ap-southeast-4': 'arn:aws:lambda:ap-southeast-4:307021474294:layer:AWS-AppConfig-Extension-Arm64:173',
  'ap-southeast-5': 'arn:aws:lambda:ap-southeast-5:631746059939:layer:AWS-AppConfig-Extension-Arm64:136',
  'ap-southeast-6': 'arn:aws:lambda:ap-southeast-6:381491832265:layer:AWS-AppConfig-Extension-Arm64:87',
  'ap-southeast-7': 'arn:aws:lambda:ap-southeast-7:851725616657:layer:AWS-AppConfig-Extension-Arm64:133',
  'ap-south-1': 'arn:aws:lambda:ap-south-1:554480029851:layer:AWS-AppConfig-Extension-Arm64:232',
  'ap-south-2': 'arn:aws:lambda:ap-south-2:489524808438:layer:AWS-AppConfig-Extension-Arm64:175',
  'sa-east-1': 'arn:aws:lambda:sa-east-1:000010852771:layer:AWS-AppConfig-Extension-Arm64:215',
  'mx-central-1': 'arn:aws:lambda:mx-central-1:891376990304:layer:AWS-AppConfig-Extension-Arm64:141',
  'af-south-1': 'arn:aws:lambda:af-south-1:574348263942:layer:AWS-AppConfig-Extension-Arm64:188',
  'me-central-1': 'arn:aws:lambda:me-central-1:662846165436:layer:AWS-AppConfig-Extension-Arm64:168',
  'me-south-1': 'arn:aws:lambda:me-south-1:559955524753:layer:AWS-AppConfig-Extension-Arm64:182',
  'il-central-1': 'arn:aws:lambda:il-central-1:895787185223:layer:AWS-AppConfig-Extension-Arm64:171',
};

/**
 * The extension layer for a region: the topology's override, else the table. A region in neither
 * is a topology problem, reported with the fix.
 */
export function appConfigExtensionLayerArn(region: string, overrides: Readonly<Record<string, string>> = {}, partition: Partition = 'aws'): string {
  // The table holds the layers of the aws partition; AWS publishes GovCloud's and China's apart.
  const arn = overrides[region] ?? (partition === 'aws' ? APPCONFIG_EXTENSION_ARM64_LAYERS[region] : undefined);
  if (!arn && partition !== 'aws') {
    throw new Error(
      `forwarder.appConfigLayerArns: the built-in AppConfig extension layers are those of the aws partition, and the topology's partition is ${partition}; ` +
        `add "${region}": "arn:${partition}:lambda:${region}:<AWS account>:layer:AWS-AppConfig-Extension-Arm64:<version>" from the AppConfig user guide`,
    );
  }
  if (!arn) {
    throw new Error(
      `forwarder.appConfigLayerArns: the AppConfig extension layer for ${region} is not in the built-in table (extension ${APPCONFIG_EXTENSION_VERSION}); ` +
        `add "${region}": "arn:aws:lambda:${region}:<AWS account>:layer:AWS-AppConfig-Extension-Arm64:<version>" from the AppConfig user guide`,
    );
  }
  const layerRegion = arn.split(':')[3];
  if (layerRegion !== region) {
    throw new Error(`forwarder.appConfigLayerArns["${region}"]: ${JSON.stringify(arn)} is a layer of ${layerRegion}; a function can only use a layer of its own region (${region})`);
  }
  return arn;
}
