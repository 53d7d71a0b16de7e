using System.CommandLine;
using System.Text.Json;
using CaiEvents.Application.Evaluation;
using CaiEvents.Cli.Rendering;
using CaiEvents.Hosting;
using CaiEvents.Models.Demo;
using static CaiEvents.Cli.Rendering.EvaluationFormat;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai eval choices|pm</c>: a feedback model and a preference model against human judgements.</summary>
public static class EvalCommands
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create() => new("eval", "Evaluate models against human judgements (binary choices, human comparisons)") { Choices(), Pm() };

    private static Command Choices()
    {
        var file = new Option<string>("--file")
        {
            Description = "JSON list or JSON lines of {prompt, corrects, incorrects} or {prompt, text_correct, text_incorrect} items",
            Required = true,
        };
        var model = new Option<string>("--model") { Description = "Feedback model to evaluate", DefaultValueFactory = _ => DemoModel.ModelId };
        var question = new Option<string?>("--question")
        {
            Description = $"Comparison question for text items (default: \"{ChoiceEvaluation.DefaultQuestion}\")",
        };
        var json = new Option<bool>("--json") { Description = "One JSON line instead of text" };
        var command = new Command("choices",
            "Accuracy of a feedback model on binary-choice items (scored as the Labeller scores, both option orders), its 95 % Wilson interval and "
            + "the position bias.") { file, model, question, json };
        command.SetAction(async (parse, ct) =>
        {
            var r = await ChoiceEvaluation.EvaluateAsync(parse.GetValue(model)!, parse.GetValue(file)!, parse.GetValue(question),
                ModelConfiguration.Options(Cli.Configuration()), new ConsoleDemoModelTrainingObserver(), ct);
            var s = r.Summary;
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    eval = "choices", model = r.Model, model_sha256 = r.ModelHash, file = r.File, items = s.Items, continuation_items = r.ContinuationItems,
                    text_items = r.TextItems, items_asked_both_orders = r.SwappedItems + r.TextItems, correct = s.Correct,
                    accuracy = Round(s.Accuracy),
                    interval_95 = Interval(s.Interval), mean_p_correct = Round(s.MeanProbabilityCorrect),
                    accuracy_correct_at_a = Round(s.AccuracyCorrectAtA), judgements_correct_at_a = s.JudgementsCorrectAtA,
                    accuracy_correct_at_b = Round(s.AccuracyCorrectAtB), judgements_correct_at_b = s.JudgementsCorrectAtB,
                    position_bias = Round(s.PositionBias),
                }, Json));
                return Cli.ExitOk;
            }
            Console.WriteLine($"model {r.Model} on {r.File}: {s.Items} items ({r.ContinuationItems} continuation, {r.TextItems} text pairs; "
                + $"{r.SwappedItems + r.TextItems} asked in both orders)");
            Console.WriteLine($"accuracy {Text(s.Accuracy)} ({s.Correct}/{s.Items}), 95 % interval {Text(s.Interval)}, "
                + $"mean P(correct) {Text(s.MeanProbabilityCorrect)}");
            Console.WriteLine($"position bias: accuracy {Text(s.AccuracyCorrectAtA)} when the correct option is (A) ({s.JudgementsCorrectAtA} judgements), "
                + $"{Text(s.AccuracyCorrectAtB)} when it is (B) ({s.JudgementsCorrectAtB}); difference {Text(s.PositionBias)}");
            return Cli.ExitOk;
        });
        return command;
    }

    private static Command Pm()
    {
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "Preference-model directory (a PreferenceModelCheckpointed path)",
            Required = true,
        };
        var file = new Option<string>("--file")
        {
            Description = "JSON list or JSON lines of {prompt, chosen, rejected}, HH-RLHF {chosen, rejected} transcripts "
                + "or {prompt, text_correct, text_incorrect}",
            Required = true,
        };
        var json = new Option<bool>("--json") { Description = "One JSON line instead of text" };
        var command = new Command("pm",
            "Accuracy of a preference model on human comparisons (r(chosen) > r(rejected)) with its 95 % Wilson interval.") { checkpoint, file, json };
        command.SetAction(async (parse, ct) =>
        {
            var r = await PreferenceModelEvaluation.EvaluateAsync(parse.GetValue(checkpoint)!, parse.GetValue(file)!,
                ModelConfiguration.Options(Cli.Configuration()), ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    eval = "pm", checkpoint = r.Checkpoint, sha256 = r.Sha256, file = r.File, comparisons = r.Comparisons, skipped_unusable = r.Skipped,
                    correct = r.Correct, accuracy = Round(r.Accuracy), interval_95 = Interval(r.Interval), mean_margin = Round(r.MeanMargin),
                    position_bias = (double?)null,
                }, Json));
                return Cli.ExitOk;
            }
            Console.WriteLine($"preference model {r.Checkpoint} (sha256 {r.Sha256[..12]}) on {r.File}: {r.Comparisons} comparisons"
                + (r.Skipped > 0 ? $", {r.Skipped} unusable line(s) skipped" : ""));
            Console.WriteLine($"accuracy {Text(r.Accuracy)} ({r.Correct}/{r.Comparisons}), 95 % interval {Text(r.Interval)}, "
                + $"mean r(chosen) - r(rejected) {Text(r.MeanMargin)}");
            Console.WriteLine("position bias: none by construction (a preference model scores each response on its own)");
            return Cli.ExitOk;
        });
        return command;
    }
}
