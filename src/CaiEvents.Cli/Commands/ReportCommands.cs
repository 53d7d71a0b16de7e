using System.CommandLine;
using System.Text.Json;
using CaiEvents.Application.Evaluation;
using CaiEvents.Domain.Evaluation;
using static CaiEvents.Cli.Rendering.EvaluationFormat;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai report labels</c>: what a run's AI labels look like, per principle, by position and against human labels.</summary>
public static class ReportCommands
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create() => new("report", "Reports on a run's recorded data") { Labels() };

    private static Command Labels()
    {
        var run = new Option<string>("--run") { Description = "Run whose AI labels are reported", Required = true };
        var human = new Option<string?>("--human") { Description = "Run holding imported human comparisons (default: --run)" };
        var nearHalf = new Option<double>("--near-half")
        {
            Description = "Labels within this distance of 1/2 count as undecided",
            DefaultValueFactory = _ => LabelReportMath.DefaultNearHalfMargin,
        };
        var json = new Option<bool>("--json") { Description = "One JSON line instead of tables" };
        var command = new Command("labels",
            "Per principle mean and spread of P(A), agreement between principles, position bias |P_AB - (1 - P_BA)|, the share of labels near 1/2 "
            + "and agreement with human labels.") { run, human, nearHalf, json };
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            Guid? humanId = parse.GetValue(human) is { } h ? Cli.ParseId(h, "human run") : null;
            var r = await LabelReport.BuildAsync(Cli.Configuration(), runId, humanId, parse.GetValue(nearHalf), ct);
            var n = r.Numbers;
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    report = "labels", run_id = r.RunId, human_run_id = r.HumanRunId, labels = n.Labels,
                    principles = n.Principles.Select(p => new
                    {
                        principle = p.PrincipleId, pairs = p.Pairs, mean_p_a = Round(p.MeanProbabilityA), spread_p_a = Round(p.SpreadProbabilityA),
                        mean_confidence = Round(p.MeanConfidence), pairs_both_orders = p.PairsWithBothOrders, mean_position_bias = Round(p.MeanPositionBias),
                    }),
                    agreements = n.Agreements.Select(a => new { first = a.First, second = a.Second, pairs = a.Pairs, agreement = Round(a.Agreement) }),
                    position_bias = new { judgement_pairs = n.PositionBiasCount, mean = Round(n.MeanPositionBias), max = Round(n.MaxPositionBias) },
                    near_half = new { margin = n.NearHalfMargin, share = Round(n.ShareNearHalf) },
                    human = new { imported = r.HumanImported, compared = n.HumanComparisons, agreement = Round(n.HumanAgreement) },
                }, Json));
                return Cli.ExitOk;
            }
            Console.WriteLine($"run {r.RunId}: {n.Labels} labels");
            Console.WriteLine($"{"principle",-28} {"pairs",6} {"mean P(A)",9} {"spread",7} {"conf.",6} {"both",5} {"pos. bias",9}");
            foreach (var p in n.Principles)
                Console.WriteLine($"{p.PrincipleId,-28} {p.Pairs,6} {Text(p.MeanProbabilityA),9} {Text(p.SpreadProbabilityA),7} {Text(p.MeanConfidence),6} "
                    + $"{p.PairsWithBothOrders,5} {Text(p.MeanPositionBias),9}");
            if (n.Agreements.Count > 0)
            {
                Console.WriteLine($"{"agreement between principles",-57} {"pairs",6} {"agree",6}");
                foreach (var a in n.Agreements) Console.WriteLine($"{a.First + " / " + a.Second,-57} {a.Pairs,6} {Text(a.Agreement),6}");
            }
            Console.WriteLine($"position bias |P_AB - (1 - P_BA)| over {n.PositionBiasCount} (pair, principle): mean {Text(n.MeanPositionBias)}, "
                + $"max {Text(n.MaxPositionBias)}");
            Console.WriteLine($"labels within {Text(n.NearHalfMargin)} of 1/2: {Text(n.ShareNearHalf)}");
            Console.WriteLine($"human labels: {r.HumanImported} imported in run {r.HumanRunId}, {n.HumanComparisons} on labelled pairs, "
                + $"agreement {Text(n.HumanAgreement)}");
            return Cli.ExitOk;
        });
        return command;
    }
}
