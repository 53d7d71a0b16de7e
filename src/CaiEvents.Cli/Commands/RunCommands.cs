using System.CommandLine;
using CaiEvents.Application.Runs;
using CaiEvents.Cli.Options;
using CaiEvents.Cli.Rendering;

namespace CaiEvents.Cli.Commands;

/// <summary>run, submit and resume: the commands that start or drive a run.</summary>
public static class RunCommands
{
    public static Command Run()
    {
        var inputs = RunOptions.Create(promptsRequired: true);
        var command = new Command("run", "Host all SL roles in this process, run a prompt set to completion, print the run id.");
        inputs.AddTo(command);
        command.Options.Add(HostOptions.Transport);
        command.Options.Add(HostOptions.Concurrency);
        command.Options.Add(HostOptions.TimeoutSeconds);
        command.Options.Add(ChatTemplateOption.Option);
        command.SetAction(async (parse, ct) =>
        {
            var configuration = ChatTemplateOption.Apply(parse, Cli.Configuration());
            var request = inputs.Read(parse, configuration);
            var transport = HostOptions.ParseTransport(parse.GetValue(HostOptions.Transport)!);
            var run = await RunInProcess.RunAsync(request, transport, parse.GetValue(HostOptions.Concurrency),
                TimeSpan.FromSeconds(parse.GetValue(HostOptions.TimeoutSeconds)), configuration, new ConsoleRunObserver(), ct);
            Console.Error.WriteLine($"Run completed: {run.Finalized} item(s) finalised (SL examples and labels), {run.Failed} failed.");
            Console.WriteLine(run.Id);
            return run.Failed == 0 ? Cli.ExitOk : Cli.ExitFailure;
        });
        return command;
    }

    public static Command Submit()
    {
        var inputs = RunOptions.Create(promptsRequired: true);
        var command = new Command("submit",
            "Write a run to the event store and send its first commands over RabbitMQ (workers do the rest); print the run id.");
        inputs.AddTo(command);
        var runIdOption = new Option<string?>("--run-id")
        {
            Description = "Write the run under this id; run an interrupted submit again with its id and the same inputs to continue it",
        };
        command.Options.Add(runIdOption);
        command.SetAction(async (parse, ct) =>
        {
            var configuration = Cli.Configuration();
            var runId = parse.GetValue(runIdOption) is { } given ? Cli.ParseId(given, "--run-id") : (Guid?)null;
            var request = inputs.Read(parse, configuration) with { RunId = runId };
            var submitted = await RunSubmission.SubmitAsync(request, configuration, new ConsoleRunObserver(), ct,
                id => Console.Error.WriteLine($"run {id}: writing {request.Prompts.Count} prompt(s); if interrupted, run the same "
                    + $"command with --run-id {id} to continue"));
            Console.WriteLine(submitted);
            return Cli.ExitOk;
        });
        return command;
    }

    public static Command Resume()
    {
        var runArgument = new Argument<string>("run") { Description = "Run id" };
        var command = new Command("resume",
            "Re-send the next command of every unsettled sample of a run (after an interrupted submit or lost messages).") { runArgument };
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(runArgument)!, "run");
            var sent = await RunResumption.ResumeAsync(runId, Cli.Configuration(), ct);
            Console.Error.WriteLine($"{sent} command(s) re-sent; consumers ignore any that were already done.");
            return Cli.ExitOk;
        });
        return command;
    }
}
