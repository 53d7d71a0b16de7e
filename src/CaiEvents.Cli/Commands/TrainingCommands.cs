using System.CommandLine;
using System.Text.Json;
using CaiEvents.Application.Training;
using CaiEvents.Cli.Options;
using CaiEvents.Cli.Rendering;
using CaiEvents.Contracts.Events;
using CaiEvents.Models.Training;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai sft</c>: SL-CAI fine-tuning on a run's dataset, recorded as a job stream, resumable after a kill.</summary>
public static class TrainingCommands
{
    public static Command Sft()
    {
        var run = new Option<string>("--run") { Description = "Run whose finalised SL examples are the dataset", Required = true };
        var output = new Option<string>("--out")
        {
            Description = "Output directory (checkpoints/step-N); the same --out resumes the same job", Required = true,
        };
        var baseModel = new Option<string?>("--base") { Description = "Model to fine-tune (default: the run's generator model)" };
        var asOf = new Option<long?>("--as-of") { Description = "Use the dataset as it stood at this event sequence" };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 2 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 8 };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 3e-4 };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => 10 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints", DefaultValueFactory = _ => 50 };
        var maxLength = new Option<int>("--max-length") { DefaultValueFactory = _ => 512 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 42 };
        var lora = new LoraOptions();
        var compute = new TrainingComputeOptions();
        var command = new Command("sft",
            "Fine-tune a policy on a run's SL-CAI dataset (loss on completion tokens only); last line: JSON with the final checkpoint and its sha256.")
        {
            run, output, baseModel, asOf, epochs, batch, lr, warmup, checkpointEvery, maxLength, seed, compute.Precision, compute.GradientAccumulation,
            compute.ActivationCheckpointing,
        };
        lora.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            var (precision, accumulation) = compute.Parse(parse);
            var hp = new SftHyperParameters(parse.GetValue(epochs), parse.GetValue(batch), parse.GetValue(lr), parse.GetValue(warmup), 0.1, 0.0, 1.0,
                parse.GetValue(maxLength), parse.GetValue(checkpointEvery), parse.GetValue(seed), TrainingPrecisions.RecordedName(precision),
                accumulation == 1 ? null : accumulation, parse.GetValue(compute.ActivationCheckpointing) ? true : null, lora.Parse(parse));
            var final = await SlCaiFineTuning.RunAsync(runId, parse.GetValue(output)!, parse.GetValue(baseModel), parse.GetValue(asOf), hp, Cli.Configuration(),
                new ConsoleSlCaiFineTuningObserver(), ct);
            var result = new { job_id = final.JobId, checkpoint = final.Path, sha256 = final.Sha256, step = final.Step, metrics = final.Metrics };
            Console.WriteLine(JsonSerializer.Serialize(result));
            return Cli.ExitOk;
        });
        return command;
    }
}
