using System.Globalization;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>A process's peak resident set size, as Linux keeps it (<c>VmHWM</c> in <c>/proc/PID/status</c>).</summary>
public static class ProcessMemory
{
    /// <summary>Peak RSS in bytes so far; null where /proc is missing (not Linux) or the process has gone.</summary>
    public static long? PeakResidentBytes(int pid)
    {
        string[] lines;
        try { lines = File.ReadAllLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        return PeakFromStatus(lines);
    }

    /// <summary>The <c>VmHWM:   123456 kB</c> line of a status file, in bytes.</summary>
    public static long? PeakFromStatus(IEnumerable<string> statusLines)
    {
        ArgumentNullException.ThrowIfNull(statusLines);
        var line = statusLines.FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        if (line is null) return null;
        var parts = line["VmHWM:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
    }
}
