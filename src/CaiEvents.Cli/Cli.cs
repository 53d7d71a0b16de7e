using System.CommandLine;
using CaiEvents.Application.Hosts;
using CaiEvents.Domain;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Models.Chat;
using Marten;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Spectre.Console;

namespace CaiEvents.Cli;

public static class Cli
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitBadInput = 2;
    public const int ExitTimeout = 3;

    /// <summary>Progress and tables go to stderr, so stdout carries only results (run id, path, JSON).</summary>
    public static readonly IAnsiConsole Err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        using var signals = new TerminationSignals();
        try
        {
            var invocation = parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, signals.Token);
            if (await Task.WhenAny(invocation, signals.GraceExpired) != invocation)
            {
                Console.Error.WriteLine($"error: stopped by {signals.SignalName} (still stopping after {TerminationSignals.GracePeriod.TotalSeconds:0} s)");
                return signals.GraceExpired.Result;
            }
            return await invocation;
        }
        catch (Exception e) when (signals.ExitCode is { } signalled && IsCancellation(e))
        {
            // Stopped by a signal before it finished: nothing partial was committed (every write is one transaction or a rename).
            Console.Error.WriteLine($"error: stopped by {signals.SignalName}");
            return signalled;
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    private static bool IsCancellation(Exception? e) => e is OperationCanceledException
        || (e is AggregateException a && a.InnerExceptions.Any(IsCancellation))
        || (e is not null && IsCancellation(e.InnerException));

    /// <summary>Every failure is one line on stderr and a non-zero exit code.</summary>
    public static int Fail(Exception e)
    {
        var (code, message) = e switch
        {
            InputException or UsageException or ConfigurationMissingException or ConfigurationInvalidException => (ExitBadInput, e.Message),
            // A checkpoint or chat template the user pointed at is bad input; their messages are one line naming the file or the known families.
            CheckpointFormatException or ChatTemplateException => (ExitBadInput, e.Message),
            ServiceUnreachableException or RefusedException => (ExitFailure, e.Message),
            TimeoutException => (ExitTimeout, e.Message),
            OperationCanceledException => (ExitFailure, "cancelled"),
            _ when FromPostgreSql(e) is { } postgres => postgres,
            _ => (ExitFailure, $"{e.GetType().Name}: {e.Message}"),
        };
        Console.Error.WriteLine($"error: {message.ReplaceLineEndings(" ")}");
        if (Environment.GetEnvironmentVariable("CAI_DEBUG") == "1") Console.Error.WriteLine(e);
        return code;
    }

    /// <summary>
    /// The line for a failure that came from PostgreSQL, however Marten wrapped it (null for any other): Npgsql's own texts
    /// ("Exception while reading from stream") say nothing a user can act on.
    /// </summary>
    private static (int Code, string Message)? FromPostgreSql(Exception e)
    {
        for (var cause = e; cause is not null; cause = cause.InnerException)
        {
            switch (cause)
            {
                case PostgresException refused:
                    return (ExitFailure, $"PostgreSQL refused the command: {refused.SqlState}: {refused.MessageText}");
                case NpgsqlException { InnerException: TimeoutException }:
                    return (ExitTimeout, "PostgreSQL did not answer within the command timeout (Command Timeout in the connection string, 30 s by default)");
                case NpgsqlException:
                    return (ExitFailure, "the connection to PostgreSQL broke during the command (is it running? ./cai services status)");
            }
        }
        return null;
    }

    public static IConfiguration Configuration() => CaiHost.LoadConfiguration();

    /// <summary>Folder for datasets and other outputs (./cai sets CAI_HOME to the repo's .cai folder).</summary>
    public static string Home(IConfiguration configuration) => CaiHome.Directory(configuration);

    /// <summary>A store for read-side commands, after checking that PostgreSQL answers.</summary>
    public static Task<DocumentStore> OpenStoreAsync(IConfiguration configuration, CancellationToken ct) => EventStoreAccess.OpenAsync(configuration, ct);

    public static Guid ParseId(string value, string what) =>
        Guid.TryParse(value, out var id) ? id : throw new UsageException($"{what} '{value}' is not a valid id (expected a GUID)");
}
