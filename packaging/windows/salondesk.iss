; Inno Setup 6 script: one SalonDesk-Setup-VERSION.exe for a salon's counter PC.
;
; Build on Windows, after `python scripts\build_bundle.py` has produced dist\salondesk-VERSION:
;     iscc /DAppVersion=0.1.0 packaging\windows\salondesk.iss
; (scripts\build_bundle.py --installer does both and passes the version.)
;
; Installs per user (no administrator needed at a shop counter) into
; %LOCALAPPDATA%\Programs\SalonDesk, with Start-menu and optional desktop shortcuts.
; The store itself is NOT in the program folder: SalonDesk keeps it in the per-user data folder
; (%LOCALAPPDATA%\SalonDesk\store, see salondesk/paths.py), so reinstalling or upgrading never
; touches member files or sales. Uninstalling keeps that folder unless the person asks, in a
; question whose default answer is "keep"; a silent uninstall always keeps it.
;
; Simplified Chinese setup screens need ChineseSimplified.isl in Inno Setup's Languages folder
; (a maintained translation: https://jrsoftware.org/files/istrans/); without it the installer
; is built in English only.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z salondesk.iss
#endif
#define AppName "SalonDesk"
#define BundleDir "..\..\dist\salondesk-" + AppVersion

[Setup]
AppId={{6F1C2E52-7B0A-4C55-9E0B-5A1D3C2B9E47}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=SalonDesk
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename=SalonDesk-Setup-{#AppVersion}
SetupIconFile=..\..\resources\icons\salondesk.ico
UninstallDisplayIcon={app}\salondesk.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
#if FileExists(CompilerPath + "Languages\ChineseSimplified.isl")
Name: "zh_CN"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
en.KeepData=Also delete this computer's SalonDesk store (member files, stored value, sales and backups in %1)?%n%nChoose No to keep it: a reinstall opens it again. Choose Yes only after you have copied a backup somewhere safe.
en.DesktopIcon=Create a desktop shortcut
#if FileExists(CompilerPath + "Languages\ChineseSimplified.isl")
zh_CN.KeepData=是否同时删除本机的 SalonDesk 门店数据（会员档案、储值、销售记录和备份，位于 %1）？%n%n选择“否”保留数据，重新安装后可以继续使用。只有在已把备份复制到安全位置后才选择“是”。
zh_CN.DesktopIcon=创建桌面快捷方式
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"; Flags: checkedonce

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\salondesk.exe"; Parameters: "gui"; IconFilename: "{app}\salondesk.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\salondesk.exe"; Parameters: "gui"; IconFilename: "{app}\salondesk.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\salondesk.exe"; Parameters: "gui"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
// The store lives in platformdirs' user data folder: %LOCALAPPDATA%\SalonDesk.
function StoreFolder(): String;
begin
  Result := ExpandConstant('{localappdata}\{#AppName}');
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and not UninstallSilent() and DirExists(StoreFolder()) then
  begin
    if MsgBox(FmtMessage(CustomMessage('KeepData'), [StoreFolder()]),
              mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
      DelTree(StoreFolder(), True, True, True);
  end;
end;
