using System.CommandLine;
using CaiEvents.Application.Runs;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai retry-failed RUN</c>: send a run's failed samples and comparisons back into the pipeline.</summary>
public static class RetryCommand
{
    public static Command Create()
    {
        var runArgument = new Argument<string>("run") { Description = "Run id" };
        var command = new Command("retry-failed",
            "Retry the failed samples and comparisons of a run from their failed step (once the cause is fixed); records the retry on each stream. "
            + "Safe to run twice.")
        { runArgument };
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(runArgument)!, "run");
            var outcome = await FailedItemRetry.RetryAsync(runId, Cli.Configuration(), ct);
            Console.Error.WriteLine(outcome.Retried == 0
                ? $"run {runId}: no failed items to retry; {outcome.Sent} command(s) of earlier retries re-sent."
                : $"run {runId}: {outcome.Retried} failed item(s) sent back; {outcome.Sent} command(s) sent. Wait with: ./cai wait {runId}");
            Console.WriteLine(outcome.Retried);
            return Cli.ExitOk;
        });
        return command;
    }
}
