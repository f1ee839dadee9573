import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import type { DashboardTable } from "../lib/dashboard";
import { dashboardBody } from "../lib/dashboard";
import { fitName, NAME_LIMITS } from "../lib/naming";

export interface SnapshotDashboardArgs {
  name: string;
  stack: string;
  region: pulumi.Input<string>;
  tables: (Omit<DashboardTable, "failureRules"> & { failureRules: pulumi.Input<string>[] })[];
}

/** One CloudWatch dashboard for the stack: every table's freshness, size and failures. */
export class SnapshotDashboard extends pulumi.ComponentResource {
  readonly dashboardName: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: SnapshotDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:monitoring:SnapshotDashboard", name, {}, opts);
    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: fitName(args.name, "", NAME_LIMITS.cloudwatchDashboard),
        dashboardBody: pulumi
          .all([args.region, args.tables.map((t) => pulumi.all(t.failureRules))])
          .apply(([region, rules]) =>
            JSON.stringify(
              dashboardBody(
                args.stack,
                region,
                args.tables.map((t, i) => ({ ...t, failureRules: rules[i] })),
              ),
            ),
          ),
      },
      { parent: this },
    );
    this.dashboardName = dashboard.dashboardName;
    this.url = pulumi.interpolate`https://${args.region}.console.aws.amazon.com/cloudwatch/home?region=${args.region}#dashboards/dashboard/${dashboard.dashboardName}`;
    this.registerOutputs({ dashboardName: this.dashboardName, url: this.url });
  }
}
