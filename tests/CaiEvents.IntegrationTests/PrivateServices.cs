using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// A PostgreSQL + RabbitMQ pair of this test's own (infra/services.sh with a private state folder and free ports),
/// so the fault suite can stop and restart them without touching the services every other test shares. Torn down
/// (<c>services.sh reset</c>: stopped and deleted) on dispose. With a PostgreSQL standby (<c>up --postgres-standby</c>) the
/// connection string lists both servers and the failover tests can kill the primary and promote the standby.
/// </summary>
public sealed class PrivateServices : IAsyncDisposable
{
    private readonly string _script;
    private readonly Dictionary<string, string> _scriptEnvironment;

    public string StateDir { get; }
    /// <summary>Environment for `cai` child processes: the private services' connection settings.</summary>
    public IReadOnlyDictionary<string, string> ProcessEnvironment { get; private set; } = new Dictionary<string, string>();
    public string ConnectionString => ProcessEnvironment["ConnectionStrings__EventStore"];

    private readonly TimeSpan _scriptTimeout;

    private PrivateServices(string stateDir, int basePort, int rabbitmqNodes, bool postgresStandby)
    {
        // Nodes of a cluster boot together and take longer on a small machine.
        _scriptTimeout = TimeSpan.FromSeconds(150 * rabbitmqNodes);
        StateDir = stateDir;
        _script = Path.Combine(RepoRoot(), "infra", "services.sh");
        _scriptEnvironment = new Dictionary<string, string>
        {
            ["CAI_STATE_DIR"] = stateDir,
            ["CAI_PG_PORT"] = basePort.ToString(),
            ["CAI_RABBITMQ_PORT"] = (basePort + 1).ToString(),
            ["CAI_RABBITMQ_MANAGEMENT_PORT"] = (basePort + 2).ToString(),
            ["CAI_RABBITMQ_DIST_PORT"] = (basePort + 3).ToString(),
            ["CAI_EPMD_PORT"] = (basePort + 4).ToString(),
        };
        if (postgresStandby) _scriptEnvironment["CAI_PG_STANDBY_PORT"] = (basePort + 5).ToString();
    }

    /// <param name="rabbitmqNodes">More than one: a RabbitMQ cluster (<c>services.sh up --rabbitmq-nodes N</c>), node i's ports
    /// 10 × (i - 1) above node 1's (the script's default step).</param>
    /// <param name="tls">TLS-only services (<c>up --tls</c>): a generated CA, no plain PostgreSQL login, no plain AMQP listener.</param>
    /// <param name="postgresStandby">A synchronous streaming-replication standby (<c>up --postgres-standby</c>) on the 6th port.</param>
    public static async Task<PrivateServices> StartAsync(CancellationToken ct, int rabbitmqNodes = 1, bool tls = false, bool postgresStandby = false)
    {
        // Short path: PostgreSQL puts its unix socket in the data folder (limit ~107 bytes).
        var dir = Path.Combine("/tmp", $"cai-fault-{Guid.NewGuid():N}"[..18]);
        var services = new PrivateServices(dir, FreePortRange(Math.Max(5 + 10 * (rabbitmqNodes - 1), postgresStandby ? 6 : 5)), rabbitmqNodes, postgresStandby);
        try
        {
            string[] up = ["up", "--rabbitmq-nodes", rabbitmqNodes.ToString()];
            if (tls) up = [.. up, "--tls"];
            if (postgresStandby) up = [.. up, "--postgres-standby"];
            await services.ScriptAsync(ct, up);
            var env = (await services.ScriptAsync(ct, "env")).Split('\n')
                .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
                .Select(l => l["export ".Length..].Split('=', 2))
                .ToDictionary(kv => kv[0], kv => kv[1].Trim().Trim('\'').Replace("'\\''", "'"));
            env["EventStore__Schema"] = "cai";
            services.ProcessEnvironment = env;
            return services;
        }
        catch
        {
            await services.DisposeAsync();
            throw;
        }
    }

    public async Task RestartPostgresAsync(CancellationToken ct)
    {
        await ScriptAsync(ct, "down", "postgres");
        await ScriptAsync(ct, "up", "postgres");
    }

    public async Task RestartRabbitMqAsync(CancellationToken ct)
    {
        await ScriptAsync(ct, "down", "rabbitmq");
        await ScriptAsync(ct, "up", "rabbitmq");
    }

    /// <summary>The management port of RabbitMQ node <paramref name="node"/> (1-based), as infra/rabbitmq-cluster.sh places it.</summary>
    public int RabbitMqManagementPort(int node) => int.Parse(_scriptEnvironment["CAI_RABBITMQ_MANAGEMENT_PORT"]) + 10 * (node - 1);

    /// <summary>kill -9 of a RabbitMQ node by name (cai@localhost is node 1, cai-i@localhost node i): no shutdown, no handover.</summary>
    public void KillRabbitMqNode(string nodeName)
    {
        var index = nodeName.Split('@')[0] is var name && name.StartsWith("cai-", StringComparison.Ordinal) ? name["cai-".Length..] : "";
        var pidFile = Path.Combine(StateDir, index == "" ? "rabbitmq" : $"rabbitmq-{index}", "rabbitmq.pid");
        var pid = int.Parse(File.ReadAllText(pidFile).Trim().Split('\n')[0]);
        using var node = Process.GetProcessById(pid);
        node.Kill(entireProcessTree: false);
        node.WaitForExit(10_000);
    }

    /// <summary>
    /// kill -9 of the PostgreSQL primary, as when its machine dies: the postmaster first (so it cannot restart its
    /// children), then every process it had started; returns once all are gone. Nothing is shut down or flushed.
    /// </summary>
    public async Task KillPostgresPrimaryAsync(CancellationToken ct)
    {
        var postmaster = int.Parse((await File.ReadAllLinesAsync(Path.Combine(StateDir, "postgres", "postmaster.pid"), ct))[0].Trim());
        var children = ChildrenOf(postmaster);
        var victims = new[] { postmaster }.Concat(children).Select(TryGetProcess).OfType<Process>().ToList();
        foreach (var victim in victims)
        {
            try { victim.Kill(); } // SIGKILL on Unix
            catch (InvalidOperationException) { } // already gone
        }
        foreach (var victim in victims)
        {
            using (victim) await victim.WaitForExitAsync(ct);
        }
    }

    /// <summary><c>services.sh promote</c>: the standby becomes the primary (pg_ctl promote).</summary>
    public Task PromotePostgresStandbyAsync(CancellationToken ct) => ScriptAsync(ct, "promote");

    /// <summary>Processes whose parent is <paramref name="pid"/> (field 4 of /proc/PID/stat, after the command's closing parenthesis).</summary>
    private static List<int> ChildrenOf(int pid)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var candidate)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1]) == pid) children.Add(candidate);
            }
            catch (IOException) { } // exited meanwhile
        }
        return children;
    }

    private static Process? TryGetProcess(int pid)
    {
        try { return Process.GetProcessById(pid); }
        catch (ArgumentException) { return null; }
    }

    public async ValueTask DisposeAsync()
    {
        try { await ScriptAsync(CancellationToken.None, "reset"); }
        catch (Exception e) { Console.Error.WriteLine($"private services in {StateDir} not torn down: {e.Message}"); }
    }

    private async Task<string> ScriptAsync(CancellationToken ct, params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(_script);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in _scriptEnvironment) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_scriptTimeout);
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"infra/services.sh {string.Join(' ', args)} (state {StateDir}) did not finish within {_scriptTimeout.TotalSeconds:0} s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"infra/services.sh {string.Join(' ', args)} (state {StateDir}) exited {process.ExitCode}: {await stderr}{await stdout}");
        return await stdout;
    }

    /// <summary>The first of <paramref name="count"/> consecutive ports that nothing listens on, in a random high range.</summary>
    private static int FreePortRange(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var first = Random.Shared.Next(41000, 60000);
            if (Enumerable.Range(first, count).All(IsFree)) return first;
        }
        throw new InvalidOperationException("no free port range found for the private services");

        static bool IsFree(int port)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CaiEvents.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("repository root (CaiEvents.sln) not found");
    }
}
