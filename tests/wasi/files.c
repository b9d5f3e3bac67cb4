/* files.c -- the preopened tree at /data.
 *   files read   reads files, lists directories, seeks, and prints the
 *                errors of paths that do not exist or are out of reach
 *                (the same under any WASI host with /data preopened)
 *   files write  tries to change the tree: every attempt must fail
 *                (wasmhost's tree is read-only) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case 0: return "ok";
	case ENOENT: return "ENOENT";
	case ENOTCAPABLE: return "ENOTCAPABLE";
	case EROFS: return "EROFS";
	case EISDIR: return "EISDIR";
	case ENOTDIR: return "ENOTDIR";
	case EBADF: return "EBADF";
	case EEXIST: return "EEXIST";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	default: return "other";
	}
}

static void cat(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (!f) {
		printf("fopen %s: %s\n", path, errname(errno));
		return;
	}
	while (fgets(line, sizeof line, f))
		printf("%s: %s", path, line);
	fclose(f);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char *names[64];
	int n = 0;

	if (!d) {
		printf("opendir %s: %s\n", path, errname(errno));
		return;
	}
	while ((e = readdir(d)) && n < 64)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], cmp);
	for (int i = 0; i < n; i++) {
		char full[512];
		struct stat st;
		snprintf(full, sizeof full, "%s/%s", path, names[i]);
		if (stat(full, &st) != 0)
			printf("%s: stat %s\n", full, errname(errno));
		else
			printf("%s: %s %lld bytes\n", full, S_ISDIR(st.st_mode)
				? "dir" : "file", S_ISDIR(st.st_mode) ? 0LL
				: (long long)st.st_size);
		free(names[i]);
	}
}

static void try_open(const char *path, int flags)
{
	errno = 0;
	int fd = open(path, flags, 0644);
	printf("open %s flags %#x: %s\n", path, flags, errname(fd < 0 ? errno
		: 0));
	if (fd >= 0)
		close(fd);
}

static int do_read(void)
{
	char buf[64];

	cat("/data/hello.txt");
	cat("/data/sub/a.txt");
	cat("/data/empty.txt");
	list("/data");
	list("/data/sub");
	int fd = open("/data/hello.txt", O_RDONLY);
	if (fd < 0)
		return 1;
	printf("lseek end: %lld\n", (long long)lseek(fd, 0, SEEK_END));
	printf("lseek set 6: %lld\n", (long long)lseek(fd, 6, SEEK_SET));
	ssize_t n = read(fd, buf, 4);
	printf("read 4 at 6: %.*s\n", (int)n, buf);
	n = pread(fd, buf, 5, 0);
	printf("pread 5 at 0: %.*s\n", (int)n, buf);
	printf("tell: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
	errno = 0;
	printf("lseek -100: %lld %s\n", (long long)lseek(fd, -100, SEEK_SET),
		errname(errno));
	close(fd);
	cat("/data/missing.txt");
	cat("/data/sub/missing/deeper.txt");
	cat("/data/hello.txt/below");
	cat("/etc/passwd");
	cat("/data/../etc/passwd");
	list("/data/nodir");
	list("/data/hello.txt");
	try_open("/data/sub", O_RDONLY | O_DIRECTORY);
	try_open("/data/hello.txt", O_RDONLY | O_DIRECTORY);
	return 0;
}

static int do_write(void)
{
	try_open("/data/new.txt", O_WRONLY | O_CREAT);
	try_open("/data/hello.txt", O_WRONLY);
	try_open("/data/hello.txt", O_RDWR);
	try_open("/data/hello.txt", O_RDONLY | O_TRUNC);
	try_open("/data/hello.txt", O_WRONLY | O_CREAT | O_EXCL);
	try_open("/data/sub", O_WRONLY);
	try_open("/data/nodir/new.txt", O_WRONLY | O_CREAT);
	errno = 0;
	printf("mkdir: %s\n", errname(mkdir("/data/newdir", 0755) ? errno : 0));
	errno = 0;
	printf("unlink: %s\n", errname(unlink("/data/hello.txt") ? errno : 0));
	errno = 0;
	printf("rename: %s\n", errname(rename("/data/hello.txt",
		"/data/x.txt") ? errno : 0));
	errno = 0;
	printf("rmdir: %s\n", errname(rmdir("/data/sub") ? errno : 0));
	int fd = open("/data/hello.txt", O_RDONLY);
	errno = 0;
	printf("write to a read-only fd: %s\n",
		errname(write(fd, "x", 1) < 0 ? errno : 0));
	close(fd);
	cat("/data/hello.txt");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "write") == 0)
		return do_write();
	return do_read();
}
