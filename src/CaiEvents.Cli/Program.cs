using System.CommandLine;
using CaiEvents.Cli;
using CaiEvents.Cli.Commands;

// The CLI only composes: every behaviour lives in the application layer and the role, event-store and model projects.
var audit = QueryCommands.Audit();
audit.Subcommands.Add(IntegrityCommands.Verify());
var root = new RootCommand("CaiEvents: Constitutional AI data with event-sourced provenance.")
{
    DemoCommand.Create(),
    RunCommands.Run(),
    RunCommands.Submit(),
    RunCommands.Resume(),
    RetryCommand.Create(),
    WorkerCommand.Create(),
    QueryCommands.Status(),
    QueryCommands.Wait(),
    QueryCommands.Export(),
    audit,
    ReplayCommand.Create(),
    ModelCommands.Model(),
    BenchCommands.Bench(),
    TrainingCommands.Sft(),
    PreferenceModelCommands.Create(),
    PpoCommands.Ppo(),
    ImportCommand.Create(),
    EvalCommands.Create(),
    ReportCommands.Create(),
    DashboardCommand.Create(),
};
return await Cli.InvokeAsync(root, args);
