"""A file system whose disk the test makes fail: FUSE over a folder, every call passed through,
until the control file exists; then every call that writes (create, write, mkdir, rename, fsync,
truncate...) fails with EIO, as on a dying disk, while reads still work. Removing the control file
mends it.

Usage: python3 failing-fs.py BACKING MOUNTPOINT CONTROL_FILE
Runs in the foreground until unmounted. Files are created with the caller's uid and gid, so that a
build user writing in its workspace owns what it writes, as on a real disk. Needs python3-fusepy
(Debian) and /dev/fuse; mounting needs root (allow_other lets the build user in).
"""

import errno
import os
import sys

from fusepy import FUSE, FuseOSError, Operations, fuse_get_context


class Failing(Operations):
    def __init__(self, root, control):
        self.root = os.path.realpath(root)
        self.control = control

    def _path(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def _write(self):
        if os.path.exists(self.control):
            raise FuseOSError(errno.EIO)

    def _own(self, full):
        uid, gid, _ = fuse_get_context()
        os.lchown(full, uid, gid)

    # --- reading ---------------------------------------------------------------------------------

    def access(self, path, mode):
        if not os.access(self._path(path), mode):
            raise FuseOSError(errno.EACCES)

    def getattr(self, path, fh=None):
        st = os.lstat(self._path(path))
        keys = ("st_atime", "st_ctime", "st_gid", "st_mode", "st_mtime", "st_nlink", "st_size", "st_uid")
        return {k: getattr(st, k) for k in keys}

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._path(path))

    def readlink(self, path):
        return os.readlink(self._path(path))

    def statfs(self, path):
        st = os.statvfs(self._path(path))
        keys = ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")
        return {k: getattr(st, k) for k in keys}

    def open(self, path, flags):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_TRUNC):
            self._write()
        return os.open(self._path(path), flags)

    def read(self, path, size, offset, fh):
        os.lseek(fh, offset, os.SEEK_SET)
        return os.read(fh, size)

    def release(self, path, fh):
        return os.close(fh)

    def flush(self, path, fh):
        return None

    # --- writing ---------------------------------------------------------------------------------

    def create(self, path, mode, fi=None):
        self._write()
        full = self._path(path)
        fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        self._own(full)
        return fd

    def write(self, path, data, offset, fh):
        self._write()
        os.lseek(fh, offset, os.SEEK_SET)
        return os.write(fh, data)

    def truncate(self, path, length, fh=None):
        self._write()
        with open(self._path(path), "r+") as f:
            f.truncate(length)

    def fsync(self, path, datasync, fh):
        self._write()
        return os.fsync(fh)

    def fsyncdir(self, path, datasync, fh):
        self._write()
        return 0

    def mkdir(self, path, mode):
        self._write()
        full = self._path(path)
        os.mkdir(full, mode)
        self._own(full)

    def mknod(self, path, mode, dev):
        self._write()
        full = self._path(path)
        os.mknod(full, mode, dev)
        self._own(full)

    def symlink(self, target, source):
        self._write()
        full = self._path(target)
        os.symlink(source, full)
        self._own(full)

    def link(self, target, source):
        self._write()
        os.link(self._path(source), self._path(target))

    def rename(self, old, new):
        self._write()
        os.rename(self._path(old), self._path(new))

    def unlink(self, path):
        self._write()
        os.unlink(self._path(path))

    def rmdir(self, path):
        self._write()
        os.rmdir(self._path(path))

    def chmod(self, path, mode):
        self._write()
        os.chmod(self._path(path), mode)

    def chown(self, path, uid, gid):
        self._write()
        os.lchown(self._path(path), uid, gid)

    def utimens(self, path, times=None):
        self._write()
        os.utime(self._path(path), times, follow_symlinks=False)


if __name__ == "__main__":
    backing, mountpoint, control = sys.argv[1:4]
    FUSE(Failing(backing, control), mountpoint, foreground=True, allow_other=True, default_permissions=True, use_ino=False, nothreads=False)
